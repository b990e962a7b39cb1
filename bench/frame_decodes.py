"""Benchmark: worker CPU per scan of a 32-frame scan once its stages are cached, and the decodes it spends.

Builds one synthetic ScanNet scan (640 x 480 colour, so the 32 stored frames are 640 x 480 JPEGs),
runs the scan once so facts, frames and visibility are cached, then repeats the worker's work on it
(`compute_scan`) with only the scan's frames-manifest record removed from the cache, as on a first
build: the manifest's pixel checksums and the validation's size check both need the frames decoded.
Prints CPU ms per scan (median of the repeats) and the JPEG decodes counted per frame.

    python bench/frame_decodes.py [--frames 32] [--repeats 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    from PIL import ImageFile

    from vsi100k.frames import FramesConfig
    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.frames_manifest import RECORD_DIR
    from vsi100k.pipeline.plan import plan_jobs
    from vsi100k.pipeline.stages import compute_scan, run_scan
    from vsi100k.synth import generate_scenes

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        generate_scenes(work / "scans", 1, seed=3, n_frames=2 * args.frames)
        cfg = BuildConfig(work / "scans", work / "out", frames=FramesConfig(n_frames=args.frames),
                          cache_dir=work / "cache", split="train")
        job = plan_jobs(cfg)[0]
        run_scan(job, cfg)  # facts, frames, visibility and the manifest record cached
        loads = 0
        load = ImageFile.ImageFile.load

        def counted(self):
            nonlocal loads
            if self.format == "JPEG" and self.tile:  # not decoded yet (load() empties tile)
                loads += 1
            return load(self)

        ImageFile.ImageFile.load = counted
        seconds = []
        for _ in range(args.repeats):
            shutil.rmtree(cfg.cache_root / RECORD_DIR, ignore_errors=True)
            started = time.process_time()
            compute_scan(job, cfg, BuildCache(cfg.cache_root))
            seconds.append(time.process_time() - started)
        ImageFile.ImageFile.load = load
    print(f"{args.frames} frames of 640x480: worker CPU per scan (stages cached, manifest record not) "
          f"{statistics.median(seconds) * 1e3:.1f} ms (median of {args.repeats}; min {min(seconds) * 1e3:.1f} ms); "
          f"JPEG decodes per stored frame {loads / args.repeats / args.frames:.2f}")


if __name__ == "__main__":
    main()
