"""ScanNet `.sens` RGB-D streams (format version 4): a seeking reader and a streaming writer.

Real files are 0.5-2 GB, so the reader never reads the whole file: it walks the per-frame headers
once, seeking over the colour and depth payloads, and keeps only their offsets. Reading frame i then
costs one seek and two payload reads.

Layout: uint32 version | uint64 name length, name | 4 x (4x4 float32): colour intrinsic, colour
extrinsic, depth intrinsic, depth extrinsic | int32 colour compression (2 = jpeg) | int32 depth
compression (1 = zlib uint16) | uint32 colour w, h, depth w, h | float32 depth shift | uint64 frame
count | per frame: 4x4 float32 camera-to-world, uint64 colour timestamp, uint64 depth timestamp,
uint64 colour bytes, uint64 depth bytes, colour payload, depth payload. (IMU data may follow.)
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

import numpy as np

from vsi100k.errors import SceneError

SENS_VERSION = 4
COLOR_JPEG = 2
DEPTH_ZLIB_USHORT = 1
_FRAME_HEADER = struct.Struct("<16f4Q")  # pose, colour ts, depth ts, colour bytes, depth bytes


@dataclass(frozen=True)
class SensHeader:
    """Stream-wide settings. Intrinsics/extrinsics are (4, 4) float; sizes in pixels; depth in
    units of 1/depth_shift metres (ScanNet: 1000, i.e. millimetres)."""

    color_intrinsic: np.ndarray
    color_extrinsic: np.ndarray
    depth_intrinsic: np.ndarray
    depth_extrinsic: np.ndarray
    color_width: int
    color_height: int
    depth_width: int
    depth_height: int
    depth_shift: float = 1000.0
    num_frames: int = 0
    sensor_name: str = "StructureSensor"
    color_compression: int = COLOR_JPEG
    depth_compression: int = DEPTH_ZLIB_USHORT


@dataclass(frozen=True)
class SensFrame:
    """One frame to write: pose (4, 4) camera-to-world (raw scan frame), JPEG bytes, depth (h, w)
    uint16, timestamps in microseconds."""

    pose: np.ndarray
    color_jpeg: bytes
    depth: np.ndarray
    color_timestamp_us: int
    depth_timestamp_us: int


def write_sens(path: Path, header: SensHeader, frames: Iterable[SensFrame]) -> int:
    """Stream frames into `path` (temporary name, then rename). Returns the number of frames.

    The frame count in the header is patched once all frames are written, so `frames` may be a
    generator of rendered frames.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    name = header.sensor_name.encode()
    count = 0
    with tmp.open("wb") as out:
        out.write(struct.pack("<IQ", SENS_VERSION, len(name)) + name)
        for matrix in (header.color_intrinsic, header.color_extrinsic, header.depth_intrinsic, header.depth_extrinsic):
            out.write(np.asarray(matrix, dtype="<f4").reshape(16).tobytes())
        out.write(struct.pack("<ii", header.color_compression, header.depth_compression))
        out.write(struct.pack("<4If", header.color_width, header.color_height, header.depth_width,
                              header.depth_height, header.depth_shift))
        count_offset = out.tell()
        out.write(struct.pack("<Q", 0))
        for frame in frames:
            depth = np.ascontiguousarray(frame.depth, dtype="<u2")
            if depth.shape != (header.depth_height, header.depth_width):
                raise ValueError(f"depth frame {count} has shape {depth.shape}, header says "
                                 f"{(header.depth_height, header.depth_width)}")
            depth_bytes = zlib.compress(depth.tobytes(), 6)
            out.write(_FRAME_HEADER.pack(*np.asarray(frame.pose, dtype=np.float32).reshape(16),
                                         frame.color_timestamp_us, frame.depth_timestamp_us,
                                         len(frame.color_jpeg), len(depth_bytes)))
            out.write(frame.color_jpeg)
            out.write(depth_bytes)
            count += 1
        out.seek(count_offset)
        out.write(struct.pack("<Q", count))
    tmp.replace(path)
    return count


class SensReader:
    """Random access to the frames of a `.sens` file without reading it whole.

    `opener(path) -> binary file object` lets callers wrap the file (e.g. to count bytes read).
    Use as a context manager or call `close()`.
    """

    def __init__(self, path: Path, scene_id: str = "?", opener: Callable[[Path], BinaryIO] | None = None):
        self.path = Path(path)
        self.scene_id = scene_id
        try:
            # Unbuffered by default: indexing reads 96-byte frame headers and must not pull a
            # whole buffer (8 KiB) of payload for each.
            self._file = (opener or (lambda p: open(p, "rb", buffering=0)))(self.path)
        except FileNotFoundError:
            raise SceneError(scene_id, self.path, "file not found") from None
        except (IsADirectoryError, PermissionError) as exc:
            raise SceneError(scene_id, self.path, f"cannot read the file ({exc.strerror})") from None
        try:
            self.header = self._read_header()
            self._offsets = self._index_frames()
        except BaseException:
            self._file.close()
            raise

    # ---- parsing ----
    def _read_exact(self, n: int, what: str) -> bytes:
        data = self._file.read(n)
        if len(data) != n:
            raise SceneError(self.scene_id, self.path, f"truncated stream while reading {what}")
        return data

    def _read_header(self) -> SensHeader:
        version, name_len = struct.unpack("<IQ", self._read_exact(12, "the header"))
        if version != SENS_VERSION:
            raise SceneError(self.scene_id, self.path, f"unsupported .sens version {version} (expected {SENS_VERSION})")
        if name_len > 4096:
            raise SceneError(self.scene_id, self.path, f"corrupt header (sensor name length {name_len})")
        name = self._read_exact(name_len, "the sensor name").decode(errors="replace")
        mats = np.frombuffer(self._read_exact(256, "the calibration matrices"), dtype="<f4").reshape(4, 4, 4)
        color_comp, depth_comp = struct.unpack("<ii", self._read_exact(8, "the compression types"))
        cw, ch, dw, dh, shift = struct.unpack("<4If", self._read_exact(20, "the frame sizes"))
        (num_frames,) = struct.unpack("<Q", self._read_exact(8, "the frame count"))
        if color_comp != COLOR_JPEG:
            raise SceneError(self.scene_id, self.path, f"colour compression {color_comp} is not supported (only 2 = jpeg)")
        if depth_comp != DEPTH_ZLIB_USHORT:
            raise SceneError(self.scene_id, self.path, f"depth compression {depth_comp} is not supported (only 1 = zlib)")
        return SensHeader(
            color_intrinsic=mats[0].astype(np.float64), color_extrinsic=mats[1].astype(np.float64),
            depth_intrinsic=mats[2].astype(np.float64), depth_extrinsic=mats[3].astype(np.float64),
            color_width=cw, color_height=ch, depth_width=dw, depth_height=dh, depth_shift=shift,
            num_frames=int(num_frames), sensor_name=name, color_compression=color_comp, depth_compression=depth_comp,
        )

    def _index_frames(self) -> np.ndarray:
        """(N, 5) int64 rows: frame header offset, colour offset, colour bytes, depth offset, depth bytes."""
        n = self.header.num_frames
        pos = self._file.tell()
        end = self._file.seek(0, io.SEEK_END)
        # Check the count against the file size before allocating or walking anything: a corrupt
        # count must neither allocate gigabytes nor loop for hours.
        room = (end - pos) // _FRAME_HEADER.size
        if n > room:
            raise SceneError(self.scene_id, self.path,
                             f"corrupt header: it says {n} frames but the file ({end} bytes) can hold at most {room}")
        offsets = np.empty((n, 5), dtype=np.int64)
        for i in range(n):
            self._file.seek(pos)
            head = self._file.read(_FRAME_HEADER.size)
            if len(head) != _FRAME_HEADER.size:
                raise SceneError(self.scene_id, self.path,
                                 f"truncated stream: header says {n} frames, frame {i} is missing")
            *_, color_bytes, depth_bytes = _FRAME_HEADER.unpack(head)
            color_at = pos + _FRAME_HEADER.size
            depth_at = color_at + color_bytes
            pos = depth_at + depth_bytes
            if pos > end:
                raise SceneError(self.scene_id, self.path,
                                 f"truncated stream: frame {i} of {n} ends at byte {pos}, file has {end}")
            offsets[i] = (pos - _FRAME_HEADER.size - color_bytes - depth_bytes, color_at, color_bytes, depth_at, depth_bytes)
        return offsets

    # ---- access ----
    @property
    def num_frames(self) -> int:
        return self.header.num_frames

    def _check_index(self, i: int) -> int:
        if not 0 <= i < self.num_frames:
            raise IndexError(f"{self.scene_id}: {self.path.name}: frame {i} outside [0, {self.num_frames})")
        return int(i)

    def _frame_header(self, i: int) -> tuple:
        self._file.seek(int(self._offsets[self._check_index(i), 0]))
        return _FRAME_HEADER.unpack(self._read_exact(_FRAME_HEADER.size, f"frame {i}"))

    def pose(self, i: int) -> np.ndarray:
        """(4, 4) float64 camera-to-world of frame i, raw scan frame (may hold -inf for lost tracking)."""
        return np.asarray(self._frame_header(i)[:16], dtype=np.float64).reshape(4, 4)

    def timestamps_us(self, i: int) -> tuple[int, int]:
        """(colour, depth) timestamps of frame i in microseconds."""
        values = self._frame_header(i)
        return int(values[16]), int(values[17])

    def color_jpeg(self, i: int) -> bytes:
        """The compressed colour payload of frame i, as stored."""
        _, color_at, color_bytes, _, _ = self._offsets[self._check_index(i)]
        self._file.seek(int(color_at))
        return self._read_exact(int(color_bytes), f"the colour payload of frame {i}")

    def color(self, i: int) -> np.ndarray:
        """(H, W, 3) uint8 decoded colour image of frame i."""
        from PIL import Image

        payload = self.color_jpeg(i)
        try:
            with Image.open(io.BytesIO(payload)) as image:
                return np.asarray(image.convert("RGB"))
        except Exception as exc:  # PIL raises several types for corrupt data
            raise SceneError(self.scene_id, self.path, f"corrupt colour frame {i} ({exc})") from None

    def depth(self, i: int) -> np.ndarray:
        """(h, w) uint16 depth of frame i in 1/depth_shift metres (0 = no reading)."""
        _, _, _, depth_at, depth_bytes = self._offsets[self._check_index(i)]
        self._file.seek(int(depth_at))
        payload = self._read_exact(int(depth_bytes), f"the depth payload of frame {i}")
        h, w = self.header.depth_height, self.header.depth_width
        try:
            # bounded: a corrupt payload cannot inflate beyond one frame (plus one byte to see excess)
            raw = zlib.decompressobj().decompress(payload, 2 * h * w + 1)
        except zlib.error as exc:
            raise SceneError(self.scene_id, self.path, f"corrupt depth frame {i} ({exc})") from None
        if len(raw) != 2 * h * w:
            raise SceneError(self.scene_id, self.path, f"depth frame {i} has {len(raw)} bytes, expected {2 * h * w}")
        return np.frombuffer(raw, dtype="<u2").reshape(h, w)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "SensReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
