"""`ColourStream`: the colour stream of one scan as its source describes it.

A source (`vsi100k.sources`) knows its files; the frames stage knows how to sample. The record
between them says what kind of stream a scan has, which files key its cache, how to read frames,
poses and intrinsics (functions the source supplies), and how its frames become upright. Nothing
under `vsi100k/frames/` opens a source's folder by name.

Kinds and the readers they carry:
- "sens": `open_sens(path, scene_id, opener)` -> a context manager with `num_frames`, `header`
  (`color_intrinsic` (4, 4), `color_width`, `color_height`), `pose(i)` (4, 4), `timestamps_us(i)`
  (colour, depth) and `color_jpeg(i)` (bytes).
- "video": `video_cameras(indices, (width, height))` -> `StreamCameras` of the sampled frames
  (None: the video has no camera data).
- "images": `list_images()` -> the listing matched to poses (`listed_times_s` (L,), `listed_paths`,
  `numbers` (N,) positions of the frames that have a pose, `poses` (N, 4, 4)); and
  `image_cameras(listing, picks)` -> the picked frames' `image_paths`, `image_sizes` (N, 2),
  `intrinsics` (N, 3, 3), `poses`, `frame_numbers`, `timestamps_s`, `listed_frames`, `dropped_frames`.

Orientation: "as_stored" streams are upright as stored (rotation 0); "from_poses" streams are turned
by `orientation.upright_rotation_deg` of their poses, and `stated_rotation()` (the turn the
source's own metadata states, e.g. ARKitScenes' `sky_direction`; None when it states none) is
recorded next to it. It is called when frames are sampled, so a broken metadata file fails that
scan, not the planning of a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

KINDS = ("sens", "video", "images")
ORIENTATIONS = ("as_stored", "from_poses")


@dataclass(frozen=True)
class StreamCameras:
    """Cameras of sampled video frames.

    poses: (N, 4, 4) float64 camera-to-world (raw scan frame, OpenCV axes) or None.
    intrinsic: (3, 3) or (4, 4) pinhole matrix in pixels of a width x height image, or None.
    timestamps_s: (N,) capture times in seconds since the stream's first frame, or None to keep
        the container's times.
    """

    poses: np.ndarray | None
    intrinsic: np.ndarray | None
    width: int | None
    height: int | None
    timestamps_s: np.ndarray | None = None


@dataclass(frozen=True)
class ColourStream:
    """The colour stream of one scan (see the module docstring for the readers of each kind).

    path: the `.sens` file, the video file, or the image folder.
    inputs: the files and folders whose fingerprints key the frames cache (those that exist).
    decisive_files: files besides the frames themselves whose bytes decide which frames are
        sampled, their times or their turn (ScanNet++'s camera file, ARKitScenes' `.traj`); the
        frames manifest hashes them with the frames (`vsi100k.frames.fingerprint`).
    """

    scene_id: str
    directory: Path
    kind: str
    path: Path
    inputs: tuple[Path, ...]
    open_sens: Callable[..., Any] | None = None
    video_cameras: Callable[[np.ndarray, tuple[int, int]], StreamCameras | None] | None = None
    list_images: Callable[[], Any] | None = None
    image_cameras: Callable[[Any, np.ndarray], Any] | None = None
    decisive_files: tuple[Path, ...] = ()
    orientation: str = "as_stored"
    stated_rotation: Callable[[], int | None] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.scene_id}: stream kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"{self.scene_id}: orientation {self.orientation!r} is not one of {', '.join(ORIENTATIONS)}")
        needs = {"sens": self.open_sens, "video": True, "images": self.list_images and self.image_cameras}[self.kind]
        if not needs:
            raise ValueError(f"{self.scene_id}: a {self.kind!r} stream needs its reader functions")

    @property
    def name(self) -> str:
        """File (or folder) name of the stream, e.g. `scene0000_00.sens`."""
        return Path(self.path).name
