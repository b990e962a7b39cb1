"""JPEG encode/decode, image-file reading and aspect-keeping resize of single RGB frames (Pillow)."""

from __future__ import annotations

import io

import numpy as np

from vsi100k.errors import SceneError


def corrupt_image(what: str, error: Exception) -> str:
    """The problem sentence of an image that does not decode, e.g. "corrupt colour frame (OSError: ...)"."""
    return f"corrupt {what} ({type(error).__name__}: {error})"


def decode_jpeg(payload: bytes, scene_id: str = "?", path=None, what: str = "colour frame") -> np.ndarray:
    """(H, W, 3) uint8 RGB from compressed image bytes; SceneError naming the frame when corrupt."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(payload)) as image:
            image.load()
            return np.asarray(image.convert("RGB"))
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError... on corrupt data
        raise SceneError(scene_id, path, corrupt_image(what, exc)) from None


def read_rgb_file(path, scene_id: str = "?", what: str = "colour frame") -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file (PNG, JPEG, ...); SceneError naming the file when it is
    missing or cannot be decoded."""
    from pathlib import Path

    try:
        payload = Path(path).read_bytes()
    except OSError as exc:
        raise SceneError(scene_id, path, f"cannot read {what} ({type(exc).__name__}: {exc.strerror})") from None
    return decode_jpeg(payload, scene_id, path, what)


def encode_jpeg(rgb: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of an (H, W, 3) uint8 image (4:2:0 subsampling, optimised Huffman tables)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB").save(
        buffer, format="JPEG", quality=int(quality), optimize=True
    )
    return buffer.getvalue()


def resize_rgb(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """(height, width, 3) uint8: `rgb` resampled with Pillow's antialiased bicubic filter.

    Returns the input unchanged when it already has that size.
    """
    from PIL import Image

    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb
    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    return np.asarray(image.resize((int(width), int(height)), Image.Resampling.BICUBIC))


def jpeg_size(payload: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG from its header, without decoding the pixels."""
    from PIL import Image

    with Image.open(io.BytesIO(payload)) as image:
        return image.size


def decode_jpeg_fitted(payload: bytes, max_width: int, max_height: int, scene_id: str = "?", path=None,
                       what: str = "colour frame") -> tuple[np.ndarray, tuple[int, int]]:
    """Decode a JPEG straight to the size that fits `max_width x max_height` (aspect kept).

    Returns ((h, w, 3) uint8 at the fitted size, (width, height) of the stored image). Uses the
    JPEG decoder's DCT scaling (`Image.draft`, 1/2, 1/4 or 1/8) to decode no larger than needed, then
    an antialiased bicubic resize to the exact size: about 5x faster than decoding 1296 x 968 in
    full and resizing. SceneError naming the frame when the data is corrupt.
    """
    from PIL import Image

    from vsi100k.frames.sampling import fit_size

    try:
        with Image.open(io.BytesIO(payload)) as image:
            stored = image.size
            target = fit_size(stored[0], stored[1], max_width, max_height)
            if target != stored:
                image.draft("RGB", target)  # picks the smallest DCT scale still >= target
            image.load()
            rgb = image.convert("RGB")
            if rgb.size != target:
                rgb = rgb.resize(target, Image.Resampling.BICUBIC)
            return np.asarray(rgb), stored
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError... on corrupt data
        raise SceneError(scene_id, path, corrupt_image(what, exc)) from None
