"""`SampledFrames`: the frames taken from one scan, with their indices, times, poses and camera.

Pure data plus JSON (de)serialisation of everything except the images (the cache stores those as
JPEG files next to the JSON).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vsi100k.frames.images import decode_jpeg


@dataclass(frozen=True)
class SampledFrames:
    """N frames sampled from one scan's colour stream.

    indices: (N,) int64 frame numbers in the source stream, ascending.
    timestamps_s: (N,) float64 seconds since the stream's first frame.
    time_source: "timestamps" (recorded in the stream) or "fps" (index / default fps).
    jpegs: N JPEG images of width x height pixels (resized, aspect kept).
    total_frames: frames in the whole source stream.
    poses: (N, 4, 4) float64 camera-to-world in the RAW scan frame (apply the scene's axisAlignment
        for the aligned frame); rows of -inf/NaN where tracking was lost. None when the scan has no
        poses (an mp4 without a pose folder).
    color_intrinsic: (4, 4) float64 pinhole intrinsics of the colour camera in pixels of an
        intrinsic_width x intrinsic_height image; None when unknown.
    frames_without_pose: frames of the stream left out of sampling because no camera pose matches
        them (an image folder whose pose file starts late or ends early); 0 for other streams.
    rotation_deg: clockwise turn (0, 90, 180, 270) applied to the stored images to make them
        upright; jpegs, width x height, color_intrinsic, intrinsic_width x intrinsic_height and
        poses all describe the turned (upright) frames. 0 for streams stored upright.
    stated_rotation_deg: the turn the source's own metadata states (ARKitScenes' `sky_direction`),
        None when it states none; differs from rotation_deg where that metadata is wrong.
    """

    scene_id: str
    source: str  # "sens", "video" or "images" (an image folder)
    source_name: str  # file name of the stream, e.g. scene0000_00.sens
    total_frames: int
    indices: np.ndarray
    timestamps_s: np.ndarray
    time_source: str
    jpegs: tuple[bytes, ...]
    width: int
    height: int
    poses: np.ndarray | None = None
    color_intrinsic: np.ndarray | None = None
    intrinsic_width: int | None = None
    intrinsic_height: int | None = None
    frames_without_pose: int = 0
    rotation_deg: int = 0
    stated_rotation_deg: int | None = None

    @property
    def rotation_disagrees(self) -> bool:
        """True when the source's metadata states a turn other than the one applied."""
        return self.stated_rotation_deg is not None and self.stated_rotation_deg != self.rotation_deg

    def __len__(self) -> int:
        return len(self.indices)

    def image(self, k: int) -> np.ndarray:
        """(height, width, 3) uint8 RGB of the k-th sampled frame (k in [0, N))."""
        return decode_jpeg(self.jpegs[k], self.scene_id, self.source_name, f"sampled frame {k}")

    def images(self) -> list[np.ndarray]:
        """All sampled frames decoded, each (height, width, 3) uint8 RGB."""
        return [self.image(k) for k in range(len(self))]

    @property
    def has_camera(self) -> bool:
        """True when poses and intrinsics are known, i.e. visibility can be computed."""
        return self.poses is not None and self.color_intrinsic is not None

    def to_meta(self) -> dict:
        """Everything but the images, JSON-ready (non-finite pose entries become null)."""

        def matrix(m):
            return None if m is None else [[None if not np.isfinite(v) else float(v) for v in row] for row in m]

        return {
            "scene_id": self.scene_id,
            "source": self.source,
            "source_name": self.source_name,
            "total_frames": int(self.total_frames),
            "indices": [int(i) for i in self.indices],
            "timestamps_s": [float(t) for t in self.timestamps_s],
            "time_source": self.time_source,
            "width": int(self.width),
            "height": int(self.height),
            "poses": None if self.poses is None else [matrix(p) for p in self.poses],
            "color_intrinsic": matrix(self.color_intrinsic),
            "intrinsic_width": self.intrinsic_width,
            "intrinsic_height": self.intrinsic_height,
            **({"frames_without_pose": int(self.frames_without_pose)} if self.frames_without_pose else {}),
            **({"rotation_deg": int(self.rotation_deg)} if self.rotation_deg else {}),
            **({"stated_rotation_deg": int(self.stated_rotation_deg)} if self.stated_rotation_deg is not None else {}),
        }

    @classmethod
    def from_meta(cls, meta: dict, jpegs: tuple[bytes, ...]) -> "SampledFrames":
        """Inverse of `to_meta` (null pose entries come back as NaN)."""

        def matrix(m):
            return None if m is None else np.array([[np.nan if v is None else v for v in row] for row in m], float)

        poses = meta["poses"]
        return cls(
            scene_id=meta["scene_id"],
            source=meta["source"],
            source_name=meta["source_name"],
            total_frames=int(meta["total_frames"]),
            indices=np.asarray(meta["indices"], dtype=np.int64),
            timestamps_s=np.asarray(meta["timestamps_s"], dtype=np.float64),
            time_source=meta["time_source"],
            jpegs=tuple(jpegs),
            width=int(meta["width"]),
            height=int(meta["height"]),
            poses=None if poses is None else np.stack([matrix(p) for p in poses]).reshape(-1, 4, 4),
            color_intrinsic=matrix(meta["color_intrinsic"]),
            intrinsic_width=meta["intrinsic_width"],
            intrinsic_height=meta["intrinsic_height"],
            frames_without_pose=int(meta.get("frames_without_pose", 0)),
            rotation_deg=int(meta.get("rotation_deg", 0)),
            stated_rotation_deg=None if meta.get("stated_rotation_deg") is None else int(meta["stated_rotation_deg"]),
        )
