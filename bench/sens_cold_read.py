"""Bytes pulled from disk to sample frames of a `.sens` on a cold page cache, with and without the
random-access advice the sampler gives the kernel.

Writes one real-size scan (`bench/frames_speed.py`'s builder: 1296 x 968 JPEG colour, 640 x 480 depth)
once, then per round and per variant: evicts the file from the page cache (POSIX_FADV_DONTNEED),
samples N frames, and counts the file's pages now resident (mmap + mincore). Variants run
interleaved. Prints resident bytes as a share of the file; the sampler itself asks for about 0.6%.

    python bench/sens_cold_read.py --frames 1500 --n-frames 32 --rounds 3
"""

from __future__ import annotations

import argparse
import ctypes
import mmap
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def resident_bytes(path: Path) -> int:
    """Bytes of `path` currently in the page cache (mincore over a read-only mapping)."""
    size = path.stat().st_size
    page = mmap.PAGESIZE
    with open(path, "rb") as handle:
        # private + writable only so ctypes can take its address; nothing is written, no page is touched
        mapped = mmap.mmap(handle.fileno(), size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            pages = (size + page - 1) // page
            vec = (ctypes.c_ubyte * pages)()
            buf = (ctypes.c_char * size).from_buffer(mapped)
            if libc.mincore(ctypes.c_void_p(ctypes.addressof(buf)), ctypes.c_size_t(size), vec) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
            count = sum(1 for v in vec if v & 1)
            del buf
        finally:
            mapped.close()
    return count * page


def evict(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def plain_open(path: Path):
    return open(path, "rb", buffering=0)  # no advice: the kernel's default read-ahead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1500)
    parser.add_argument("--n-frames", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "sens_cold_read")
    args = parser.parse_args()

    from frames_speed import build_scan

    from vsi100k.frames.config import FramesConfig
    from vsi100k.frames.sens_frames import sample_sens, unbuffered_open
    from vsi100k.scannet import SensReader

    folder = build_scan(args.out, "scene0000_00", args.frames, seed=0)
    sens = next(folder.glob("*.sens"))
    size = sens.stat().st_size
    cfg = FramesConfig(n_frames=args.n_frames)
    shares: dict[str, list[float]] = {"advised (random)": [], "default read-ahead": []}
    for _ in range(args.rounds):
        for name, opener in (("advised (random)", unbuffered_open), ("default read-ahead", plain_open)):
            evict(sens)
            before = resident_bytes(sens)
            sample_sens(sens, "scene0000_00", cfg, open_sens=SensReader, opener=opener)
            shares[name].append((resident_bytes(sens) - before) / size)
    print(f".sens: {size / 2**20:.0f} MiB, {args.frames} frames; sampled {args.n_frames}")
    for name, values in shares.items():
        print(f"{name:20s} read from disk: {100 * min(values):.2f}% .. {100 * max(values):.2f}% of the file")


if __name__ == "__main__":
    main()
