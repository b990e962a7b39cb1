"""Decode one stored frame JPEG once for everything a build needs of it.

The dataset's check needs each frame's decoded size (`vsi100k.dataset.validate.check_jpegs`) and the
frames manifest its pixel digest (`vsi100k.dataset.manifest.frame_checksums`); decoding costs about
3 ms per 640x480 frame, so the build's workers decode a frame once (`decode_frame`) and hand the same
result to both. This module only decodes and hashes: it judges nothing and names no file.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DecodedFrame:
    """One encoded image, decoded once.

    sha256: hex digest of the encoded bytes. size: (width, height) in pixels, None when the image does
    not decode. pixels_sha256: hex digest of "HxWxC|" then the (H, W, 3) uint8 RGB bytes, None when
    the pixels cannot be had. error: the decoder's exception when size or pixels_sha256 is None.
    """

    sha256: str
    size: tuple[int, int] | None
    pixels_sha256: str | None
    error: Exception | None = None


def pixel_digest(rgb: np.ndarray) -> str:
    """SHA-256 hex of decoded pixels: "HxWxC|" then the (H, W, 3) uint8 RGB bytes."""
    shape = "x".join(str(n) for n in rgb.shape)
    return hashlib.sha256(f"{shape}|".encode() + rgb.tobytes()).hexdigest()


def decode_frame(data: bytes) -> DecodedFrame:
    """Decode `data` (any image Pillow reads) once: its digest, size and pixel digest. Never raises for
    bad data: the exception is kept in `error` for the caller to word."""
    from PIL import Image

    data = bytes(data)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            size = image.size
            try:
                rgb = np.asarray(image.convert("RGB"))
            except Exception as error:  # noqa: BLE001 - decoded at its size, but no RGB pixels
                return DecodedFrame(sha256, size, None, error)
    except Exception as error:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError... on corrupt data
        return DecodedFrame(sha256, None, None, error)
    return DecodedFrame(sha256, size, pixel_digest(rgb))
