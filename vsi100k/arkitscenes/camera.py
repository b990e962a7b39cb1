"""The camera stream of one ARKitScenes video: `lowres_wide` frames, their intrinsics and poses.

Layout inside `<video_id>_frames/` (the 3DOD release)::

    lowres_wide/<video_id>_<t>.png                 colour frames (256 x 192 in the release)
    lowres_wide_intrinsics/<video_id>_<t>.pincam   one line "width height fx fy cx cy" (pixels)
    lowres_wide.traj                               one line per pose, 7 numbers separated by spaces:
                                                   timestamp (s), axis-angle rotation (3, radians),
                                                   translation (3, metres)

`<t>` is the frame's timestamp in seconds with 3 decimals. A traj line's rotation and translation
are the world-to-camera transform; its inverse is the camera-to-world pose. Camera axes are
OpenCV's (x right, y down, z forward): Apple's toolkit back-projects depth with the pincam matrix
and the inverted pose as they are, with no axis flip. The world is the frame of the video's mesh
and boxes. Images are stored as the sensor held them (often sideways); poses and intrinsics refer
to the stored image and are never rotated here: the frames stage turns sampled frames upright
(`vsi100k.frames.orientation`), as the stream description asks (`vsi100k.arkitscenes.stream`).

Frames are matched to poses as Apple's toolkit does: the traj timestamps rounded to milliseconds,
and a frame takes the nearest pose less than 5 ms away (`POSE_TOLERANCE_MS`). The whole listing is
matched first; frames without such a pose (captures often hold PNGs before the first or after the
last traj line) are dropped and counted, and only a video where no frame has a pose is an error.
A frame's pincam is `<same stem>.pincam`, else the one named 1 ms earlier or later (the toolkit's
fallback).

This module only reads and writes these files; it decodes no image (the frames stage decodes the
frames it samples) and knows nothing of meshes or objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from vsi100k.arkitscenes.files import LowresWideFiles
from vsi100k.errors import SceneError

POSE_TOLERANCE_MS = 4  # a pose counts for a frame when |t_frame - t_pose| <= 4 ms, i.e. < 5 ms
PINCAM_FALLBACK_MS = (0, -1, 1)  # pincam names tried, in ms from the frame's own stamp


@dataclass(frozen=True)
class PosedFrames:
    """The frame listing of one video and the frames of it that have a pose, ascending by timestamp.

    listed_times_s: (L,) float64 seconds of every PNG of `lowres_wide/` (from the names, 3 decimals).
    listed_paths: the L PNG files.
    numbers: (N,) int64 positions in the listing of the N >= 1 frames with a pose within tolerance.
    poses: (N, 4, 4) float64 camera-to-world of those frames, mesh frame, OpenCV camera axes.
    """

    video_id: str
    scene_id: str
    frames_dir: Path
    listed_times_s: np.ndarray
    listed_paths: tuple[Path, ...]
    numbers: np.ndarray
    poses: np.ndarray

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def dropped(self) -> int:
        """Frames of the listing without a pose within tolerance (left out of every stream)."""
        return len(self.listed_paths) - len(self.numbers)


@dataclass(frozen=True)
class LowresWideStream:
    """Frames of one video matched to their cameras, ascending by timestamp.

    timestamps_s: (N,) float64 seconds, from the frame file names (3 decimals).
    poses: (N, 4, 4) float64 camera-to-world, mesh frame, OpenCV camera axes.
    intrinsics: (N, 3, 3) float64 pinhole matrices in pixels of each frame's image.
    image_sizes: (N, 2) int64 (width, height) in pixels, as each pincam states.
    image_paths: the N PNG files.
    frame_numbers: (N,) int64 position of each frame in the whole sorted listing (0-based).
    listed_frames: PNGs in the whole listing; dropped_frames: those of them without a pose.
    """

    video_id: str
    timestamps_s: np.ndarray
    poses: np.ndarray
    intrinsics: np.ndarray
    image_sizes: np.ndarray
    image_paths: tuple[Path, ...]
    frame_numbers: np.ndarray
    listed_frames: int
    dropped_frames: int

    def __len__(self) -> int:
        return len(self.image_paths)


# ---- rotations (pure numpy) ----
def rotvec_to_matrix(rotvec: np.ndarray) -> np.ndarray:
    """(3, 3) rotation of an axis-angle vector (3,) in radians (Rodrigues' formula)."""
    v = np.asarray(rotvec, dtype=np.float64).reshape(3)
    theta = float(np.linalg.norm(v))
    skew = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    if theta < 1e-12:
        return np.eye(3) + skew
    k = skew / theta
    return np.eye(3) + math.sin(theta) * k + (1.0 - math.cos(theta)) * (k @ k)


def matrix_to_rotvec(matrix: np.ndarray) -> np.ndarray:
    """(3,) axis-angle vector (radians, angle in [0, pi]) of a (3, 3) rotation matrix.

    Uses the antisymmetric part for angles up to pi/2 and the symmetric part beyond, so angles
    near pi keep full precision.
    """
    r = np.asarray(matrix, dtype=np.float64)
    cos = float(np.clip((np.trace(r) - 1.0) / 2.0, -1.0, 1.0))
    vee = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])  # 2 sin(theta) k
    theta = math.atan2(float(np.linalg.norm(vee)) / 2.0, cos)  # well conditioned near 0 and pi, unlike acos
    if theta < 1e-8:
        return vee / 2.0
    if theta <= math.pi / 2:
        return vee / (2.0 * math.sin(theta)) * theta
    outer = ((r + r.T) / 2.0 - cos * np.eye(3)) / (1.0 - cos)  # k k^T
    i = int(np.argmax(np.diag(outer)))
    axis = outer[:, i] / math.sqrt(outer[i, i])
    if float(axis @ vee) < 0:
        axis = -axis
    return axis / np.linalg.norm(axis) * theta


# ---- names ----
def frame_stem(video_id: str, time_s: float) -> str:
    """`<video_id>_<time with 3 decimals>`, the stem of a frame's PNG and pincam."""
    return f"{video_id}_{float(time_s):.3f}"


def _stem_ms(stem: str, video_id: str) -> int | None:
    """Integer milliseconds of a `<video_id>_<seconds>` stem, or None when it is not one."""
    prefix = f"{video_id}_"
    if not stem.startswith(prefix):
        return None
    text = stem[len(prefix):]
    try:
        value = float(text)
    except ValueError:
        return None
    return int(round(value * 1000.0)) if math.isfinite(value) else None


# ---- writer ----
def _traj_line(time_s: float, camera_to_world: np.ndarray) -> str:
    world_to_camera_r = camera_to_world[:3, :3].T
    world_to_camera_t = -world_to_camera_r @ camera_to_world[:3, 3]
    values = (*matrix_to_rotvec(world_to_camera_r), *world_to_camera_t)
    return f"{float(time_s):.6f} " + " ".join(f"{0.0 if abs(v) < 5e-10 else v:.9f}" for v in values)


def _check_poses(poses: np.ndarray, n: int) -> np.ndarray:
    poses = np.asarray(poses, dtype=np.float64)
    if poses.shape != (n, 4, 4):
        raise ValueError(f"poses must have shape ({n}, 4, 4) for {n} timestamps, got {poses.shape}")
    if not np.all(np.isfinite(poses)):
        raise ValueError("poses must be finite (the traj format cannot store lost tracking)")
    rotations = poses[:, :3, :3]
    error = np.abs(rotations @ rotations.transpose(0, 2, 1) - np.eye(3)).max(initial=0.0)
    if error > 1e-6 or np.any(np.linalg.det(rotations) < 0):
        raise ValueError(f"poses must hold proper rotations (orthonormality error {error:.2e})")
    return poses


def write_lowres_wide(frames_dir: Path, video_id: str, times_s: np.ndarray, poses: np.ndarray,
                      intrinsic: np.ndarray, images: Iterable[np.ndarray]) -> list[Path]:
    """Write a video's camera stream in the release layout (see the module docstring).

    frames_dir: the `<video_id>_frames` folder (created). times_s: (N,) seconds, strictly increasing
    at millisecond resolution (frame names carry 3 decimals). poses: (N, 4, 4) camera-to-world,
    mesh frame, OpenCV camera axes (x right, y down, z forward). intrinsic: (3, 3) pinhole matrix
    in pixels. images: N (H, W, 3) uint8 RGB frames, consumed one at a time.
    Writes `lowres_wide.traj` (world-to-camera lines, timestamps with 6 decimals, the rest with 9),
    then per image its PNG and its pincam (`width height fx fy cx cy`, size from the image).
    Byte-deterministic. Returns the PNG paths. ValueError on inconsistent input.
    """
    from PIL import Image

    frames_dir = Path(frames_dir)
    times = np.asarray(times_s, dtype=np.float64).reshape(-1)
    n = len(times)
    if n < 1:
        raise ValueError("times_s is empty: write at least one frame")
    stamps_ms = np.round(times * 1000.0).astype(np.int64)
    if not np.all(np.isfinite(times)) or np.any(np.diff(stamps_ms) <= 0):
        raise ValueError("times_s must be finite and strictly increasing at millisecond resolution "
                         "(frame names carry 3 decimals)")
    poses = _check_poses(poses, n)
    k = np.asarray(intrinsic, dtype=np.float64)
    if k.shape != (3, 3) or not (k[0, 0] > 0 and k[1, 1] > 0):
        raise ValueError(f"intrinsic must be a (3, 3) matrix with positive focal lengths, got {k.tolist()}")
    files = LowresWideFiles(frames_dir)
    images_dir, intrinsics_dir = files.images_dir, files.intrinsics_dir
    images_dir.mkdir(parents=True, exist_ok=True)
    intrinsics_dir.mkdir(parents=True, exist_ok=True)
    files.traj.write_text("".join(_traj_line(t, p) + "\n" for t, p in zip(times, poses)))
    written: list[Path] = []
    for image in images:
        if len(written) == n:
            raise ValueError(f"more images than the {n} timestamps")
        rgb = np.asarray(image)
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"image {len(written)} must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
        stem = frame_stem(video_id, times[len(written)])
        png = images_dir / f"{stem}.png"
        Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(png, format="PNG")
        height, width = rgb.shape[:2]
        (intrinsics_dir / f"{stem}.pincam").write_text(
            f"{width} {height} " + " ".join(repr(float(v)) for v in (k[0, 0], k[1, 1], k[0, 2], k[1, 2])) + "\n")
        written.append(png)
    if len(written) != n:
        raise ValueError(f"{len(written)} images for {n} timestamps")
    return written


# ---- reader ----
def list_frames(frames_dir: Path, video_id: str, scene_id: str | None = None) -> tuple[np.ndarray, tuple[Path, ...]]:
    """((N,) float64 seconds, N PNG paths) of `lowres_wide/`, ascending by timestamp.

    Reads the folder listing only. SceneError when the folder is missing or holds no frame, or a
    PNG is not named `<video_id>_<seconds>.png`.
    """
    scene_id = scene_id or video_id
    images_dir = LowresWideFiles(Path(frames_dir)).images_dir
    if not images_dir.is_dir():
        raise SceneError(scene_id, images_dir, "no frames: the lowres_wide folder is missing")
    found: list[tuple[int, Path]] = []
    for path in images_dir.iterdir():
        if path.suffix.lower() != ".png" or path.name.startswith("."):
            continue
        ms = _stem_ms(path.stem, video_id)
        if ms is None:
            raise SceneError(scene_id, path, f"frame file name is not {video_id}_<seconds>.png")
        found.append((ms, path))
    if not found:
        raise SceneError(scene_id, images_dir, f"no frames ({video_id}_<seconds>.png) in lowres_wide")
    found.sort(key=lambda item: (item[0], item[1].name))
    return np.array([ms for ms, _ in found], dtype=np.float64) / 1000.0, tuple(p for _, p in found)


def read_traj(path: Path, scene_id: str) -> tuple[np.ndarray, np.ndarray]:
    """((M,) float64 seconds, (M, 4, 4) float64 camera-to-world) of every line of a traj file, in
    file order. SceneError for a missing file ("missing pose file"), a line that is not 7 finite
    numbers (named by its 1-based number) or a file without poses."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SceneError(scene_id, path, "missing pose file (the lowres_wide frames need their poses)") from None
    except UnicodeDecodeError:
        raise SceneError(scene_id, path, "not a text file") from None
    stamps, poses = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        tokens = line.split()
        try:
            values = [float(v) for v in tokens]
        except ValueError:
            values = []
        if len(tokens) != 7 or len(values) != 7 or not all(math.isfinite(v) for v in values):
            raise SceneError(scene_id, path, f"line {number}: expected 7 numbers (timestamp, axis-angle rotation, "
                                             f"translation), found {line.strip()[:80]!r}")
        world_to_camera = np.eye(4)
        world_to_camera[:3, :3] = rotvec_to_matrix(np.array(values[1:4]))
        world_to_camera[:3, 3] = values[4:7]
        camera_to_world = np.eye(4)
        camera_to_world[:3, :3] = world_to_camera[:3, :3].T
        camera_to_world[:3, 3] = -world_to_camera[:3, :3].T @ world_to_camera[:3, 3]
        stamps.append(values[0])
        poses.append(camera_to_world)
    if not stamps:
        raise SceneError(scene_id, path, "no poses in the pose file")
    return np.array(stamps, dtype=np.float64), np.stack(poses)


def read_pincam(path: Path, scene_id: str) -> tuple[int, int, np.ndarray]:
    """(width, height, (3, 3) float64 pinhole matrix in pixels) of one pincam file. SceneError when
    it is not the 6 numbers `width height fx fy cx cy` or a size or focal length is not positive."""
    path = Path(path)
    try:
        tokens = path.read_text().split()
    except FileNotFoundError:
        raise SceneError(scene_id, path, "missing intrinsics file") from None
    except UnicodeDecodeError:
        tokens = ["<binary>"]
    try:
        values = [float(v) for v in tokens]
    except ValueError:
        values = []
    if len(values) != 6 or not all(math.isfinite(v) for v in values):
        raise SceneError(scene_id, path, f"malformed intrinsics: expected 'width height fx fy cx cy', "
                                         f"found {' '.join(tokens)[:80]!r}")
    width, height, fx, fy, cx, cy = values
    if width < 1 or height < 1 or width != int(width) or height != int(height) or fx <= 0 or fy <= 0:
        raise SceneError(scene_id, path, f"malformed intrinsics: size {width:g} x {height:g} and focal lengths "
                                         f"{fx:g}, {fy:g} must be positive (size in whole pixels)")
    return int(width), int(height), np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def _pincam_of(intrinsics_dir: Path, video_id: str, ms: int, scene_id: str, image: Path) -> Path:
    for offset in PINCAM_FALLBACK_MS:
        candidate = intrinsics_dir / f"{frame_stem(video_id, (ms + offset) / 1000.0)}.pincam"
        if candidate.is_file():
            return candidate
    raise SceneError(scene_id, intrinsics_dir / f"{image.stem}.pincam",
                     f"missing intrinsics: no .pincam for frame {image.name} (within 1 ms)")


def match_poses(frame_ms: np.ndarray, pose_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, gaps): for each frame stamp (integer ms) the row of the nearest pose stamp (integer ms,
    any order) and its distance in ms. Ties go to the earlier pose."""
    frame_ms = np.asarray(frame_ms, dtype=np.int64)
    order = np.argsort(pose_ms, kind="stable")
    sorted_ms = np.asarray(pose_ms, dtype=np.int64)[order]
    right = np.clip(np.searchsorted(sorted_ms, frame_ms), 0, len(sorted_ms) - 1)
    left = np.clip(right - 1, 0, len(sorted_ms) - 1)
    gap_left, gap_right = np.abs(frame_ms - sorted_ms[left]), np.abs(sorted_ms[right] - frame_ms)
    pick = np.where(gap_left <= gap_right, left, right)
    return order[pick], np.minimum(gap_left, gap_right)


def match_frames(frames_dir: Path, video_id: str, scene_id: str | None = None) -> PosedFrames:
    """List `lowres_wide/` once, read the traj file and match every frame to its pose.

    Frames without a pose less than 5 ms away are dropped (`PosedFrames.dropped` counts them).
    SceneError naming the scene, the file and the problem: no frames (see `list_frames`), a missing
    or malformed traj file (see `read_traj`), or no frame with a pose within 5 ms.
    """
    scene_id = scene_id or video_id
    frames_dir = Path(frames_dir)
    times, paths = list_frames(frames_dir, video_id, scene_id)
    traj = LowresWideFiles(frames_dir).traj
    pose_stamps, camera_to_world = read_traj(traj, scene_id)
    frame_ms = np.round(times * 1000.0).astype(np.int64)
    pose_ms = np.round(pose_stamps * 1000.0).astype(np.int64)
    rows, gaps = match_poses(frame_ms, pose_ms)
    near = np.flatnonzero(gaps <= POSE_TOLERANCE_MS)
    if near.size == 0:
        raise SceneError(scene_id, traj, f"no frame has a pose within 5 ms: {len(paths)} frames from "
                                         f"{times[0]:.3f} to {times[-1]:.3f} s, {len(pose_ms)} poses from "
                                         f"{pose_ms.min() / 1000.0:.3f} to {pose_ms.max() / 1000.0:.3f} s")
    return PosedFrames(video_id=video_id, scene_id=scene_id, frames_dir=frames_dir, listed_times_s=times,
                       listed_paths=paths, numbers=near.astype(np.int64), poses=camera_to_world[rows[near]])


def read_cameras(posed: PosedFrames, picks: np.ndarray | None = None) -> LowresWideStream:
    """The stream of the posed frames at positions `picks` (0-based among the N posed frames,
    ascending; default all), with their intrinsics: only their pincams are opened.

    SceneError naming the scene, the `lowres_wide` folder and the problem when a pick lies outside
    [0, N); a missing or malformed pincam (see `read_pincam`).
    """
    chosen = np.arange(len(posed)) if picks is None else np.asarray(picks, dtype=np.int64).reshape(-1)
    if chosen.size and (chosen.min() < 0 or chosen.max() >= len(posed)):
        raise SceneError(posed.scene_id, LowresWideFiles(posed.frames_dir).images_dir,
                         f"frame picks must lie in [0, {len(posed)}) (the frames with a pose), "
                         f"got {chosen.min()}..{chosen.max()}")
    numbers = posed.numbers[chosen]
    times = posed.listed_times_s[numbers]
    intrinsics_dir = LowresWideFiles(posed.frames_dir).intrinsics_dir
    sizes, matrices = [], []
    for number, ms in zip(numbers, np.round(times * 1000.0).astype(np.int64)):
        pincam = _pincam_of(intrinsics_dir, posed.video_id, int(ms), posed.scene_id, posed.listed_paths[number])
        width, height, matrix = read_pincam(pincam, posed.scene_id)
        sizes.append((width, height))
        matrices.append(matrix)
    return LowresWideStream(
        video_id=posed.video_id,
        timestamps_s=times,
        poses=posed.poses[chosen],
        intrinsics=np.stack(matrices) if matrices else np.zeros((0, 3, 3)),
        image_sizes=np.array(sizes, dtype=np.int64).reshape(-1, 2),
        image_paths=tuple(posed.listed_paths[i] for i in numbers),
        frame_numbers=numbers,
        listed_frames=len(posed.listed_paths),
        dropped_frames=posed.dropped,
    )


def read_lowres_wide(frames_dir: Path, video_id: str, scene_id: str | None = None,
                     picks: np.ndarray | None = None) -> LowresWideStream:
    """The frames of `<video_id>_frames/` that have a pose, with their poses and intrinsics (see the
    module docstring): `read_cameras(match_frames(...), picks)`.

    picks: positions among the frames with a pose (default all). SceneError as listed in
    `match_frames` and `read_cameras`.
    """
    return read_cameras(match_frames(frames_dir, video_id, scene_id), picks)
