"""Builders shared by the frames tests: textured JPEGs, small `.sens` streams, a counting file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from vsi100k.scannet import SensFrame, SensHeader, write_sens


def textured_rgb(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """(height, width, 3) uint8: smooth colour gradients plus mild noise, like an indoor photo."""
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    phase = rng.uniform(0, 2 * np.pi, size=3)
    base = np.stack([128 + 100 * np.sin(6 * x + 4 * y + p) for p in phase], axis=-1)
    return np.clip(base + rng.normal(0, 6, size=base.shape), 0, 255).astype(np.uint8)


def jpeg_bytes(rgb: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def intrinsic(width: int, height: int, focal_px: float) -> np.ndarray:
    """(4, 4) pinhole matrix with the principal point at the image centre (pixel centres at integers)."""
    k = np.eye(4)
    k[0, 0] = k[1, 1] = focal_px
    k[0, 2], k[1, 2] = (width - 1) / 2.0, (height - 1) / 2.0
    return k


def sens_header(width: int, height: int, depth_width: int, depth_height: int, focal_px: float = 200.0) -> SensHeader:
    return SensHeader(
        color_intrinsic=intrinsic(width, height, focal_px), color_extrinsic=np.eye(4),
        depth_intrinsic=intrinsic(depth_width, depth_height, focal_px / 2), depth_extrinsic=np.eye(4),
        color_width=width, color_height=height, depth_width=depth_width, depth_height=depth_height,
    )


def indexed_pose(i: int) -> np.ndarray:
    """A distinct camera-to-world pose per frame (rotation about z by i mrad, translation from i)."""
    angle = i * 1e-3
    pose = np.eye(4)
    pose[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    pose[:3, 3] = [0.001 * i, 2.0 - 0.0005 * i, 1.5]
    return pose


def write_indexed_sens(path: Path, n_frames: int, *, width=64, height=48, n_images=4, seed=0,
                       timestamps_us=None, depth_size=(32, 24), quality=90) -> list[np.ndarray]:
    """A `.sens` whose frame i shows image i % n_images and has pose `indexed_pose(i)`.

    Returns the n_images source images (before JPEG). timestamps_us: (n_frames,) or None (zeros).
    """
    rng = np.random.default_rng(seed)
    images = [textured_rgb(rng, width, height) for _ in range(n_images)]
    payloads = [jpeg_bytes(img, quality) for img in images]
    dw, dh = depth_size
    yy, xx = np.mgrid[0:dh, 0:dw]
    depths = [(1500 + 300 * np.sin(xx / 7 + k) + rng.normal(0, 20, (dh, dw))).astype(np.uint16) for k in range(n_images)]

    def frames():
        for i in range(n_frames):
            stamp = 0 if timestamps_us is None else int(timestamps_us[i])
            yield SensFrame(indexed_pose(i), payloads[i % n_images], depths[i % n_images], stamp, stamp)

    write_sens(path, sens_header(width, height, dw, dh), frames())
    return images


class CountingFile:
    """A binary file that counts the bytes it hands out (wraps an unbuffered file: no read-ahead)."""

    def __init__(self, path: Path):
        self._raw = open(path, "rb", buffering=0)
        self.bytes_read = 0
        self.reads = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.bytes_read += len(data)
        self.reads += 1
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self._raw.close()


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def sample_sens(path, scene_id, cfg, **options):
    """`vsi100k.frames.sens_frames.sample_sens` with ScanNet's `SensReader` (what the ScanNet source supplies)."""
    from vsi100k.frames.sens_frames import sample_sens as sample
    from vsi100k.scannet import SensReader

    return sample(path, scene_id, cfg, open_sens=SensReader, **options)
