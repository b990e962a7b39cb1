"""Render colour, depth and instance masks of a mesh from camera poses (Open3D ray casting, CPU).

The mesh goes into one `open3d.t.geometry.RaycastingScene` per scene; rays of several frames are
cast in one batch. Colour is the hit triangle's colour (mean of its vertex colours) under a head
light (Lambert, plus ambient); depth is the z-depth along the optical axis in millimetres
(ScanNet's uint16 depth with depth_shift 1000; 0 = no hit); the label image gives, per colour
pixel, the label of the hit triangle (the instance id for the truth file). Intrinsics follow
ScanNet's pinhole model: pixel (u, v) looks along ((u - cx) / fx, (v - cy) / fy, 1). When the
depth camera is the colour camera downscaled by an integer factor, depth pixels reuse colour rays.
Open3D is imported inside the renderer so that importing this module stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

# ScanNet's colour camera: 1296 x 968 pixels, fx = fy ~ 1170.19.
SCANNET_COLOR_WIDTH = 1296
SCANNET_COLOR_FOCAL = 1170.187988
_MAX_RAYS_PER_BATCH = 2_000_000


@dataclass(frozen=True)
class Camera:
    """Pinhole intrinsics in pixels; principal point at the image centre by default."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"camera size must be positive (got {self.width} x {self.height})")
        if self.fx <= 0 or self.fy <= 0:
            raise ValueError(f"focal lengths must be > 0 (got fx={self.fx}, fy={self.fy})")

    @classmethod
    def scannet_like(cls, width: int, height: int) -> "Camera":
        """ScanNet's colour camera scaled to `width` (same field of view), principal point at the
        image centre ((width - 1) / 2, (height - 1) / 2 in pixel-index coordinates)."""
        focal = SCANNET_COLOR_FOCAL * width / SCANNET_COLOR_WIDTH
        return cls(width, height, focal, focal, (width - 1) / 2.0, (height - 1) / 2.0)

    def downscaled(self, factor: int) -> "Camera":
        """The camera with `factor` times fewer pixels per side whose pixel (u, v) looks along colour
        pixel (factor * u, factor * v) exactly (focal and principal point divided by `factor`)."""
        if factor < 1 or self.width % factor or self.height % factor:
            raise ValueError(f"cannot downscale a {self.width} x {self.height} camera by {factor}")
        return Camera(self.width // factor, self.height // factor, self.fx / factor, self.fy / factor,
                      self.cx / factor, self.cy / factor)

    def matrix(self) -> np.ndarray:
        """(4, 4) intrinsic matrix as stored in `.sens` headers."""
        out = np.eye(4)
        out[0, 0], out[1, 1], out[0, 2], out[1, 2] = self.fx, self.fy, self.cx, self.cy
        return out

    def ray_directions(self) -> np.ndarray:
        """(H * W, 3) camera-frame directions with unit z (so the hit parameter is the z-depth)."""
        u, v = np.meshgrid(np.arange(self.width, dtype=np.float64), np.arange(self.height, dtype=np.float64))
        return np.stack([(u - self.cx) / self.fx, (v - self.cy) / self.fy, np.ones_like(u)], -1).reshape(-1, 3)


@dataclass(frozen=True)
class RenderedFrame:
    """color: (H, W, 3) uint8. depth_mm: (h, w) uint16 millimetres (0 = nothing hit).
    label_pixels: label -> number of colour pixels showing it (labels > 0 only).
    labels: (H, W) int64 label of the triangle each colour pixel shows (0 = none or unlabelled)."""

    color: np.ndarray
    depth_mm: np.ndarray
    label_pixels: dict[int, int]
    labels: np.ndarray | None = None


class MeshRenderer:
    """Ray-casts one mesh from many poses.

    vertices: (V, 3) float metres. faces: (F, 3) int. vertex_colors: (V, 3) uint8.
    face_labels: (F,) int, the label of each triangle (0 = unlabelled).
    """

    def __init__(self, vertices: np.ndarray, faces: np.ndarray, vertex_colors: np.ndarray, face_labels: np.ndarray):
        import open3d as o3d

        self._o3d = o3d
        self.faces = np.asarray(faces, dtype=np.int64)
        # Triangles are a few centimetres wide, so a flat colour per triangle (the mean of its
        # corners) looks like the blend at a fraction of the cost.
        corner_colors = np.asarray(vertex_colors, dtype=np.float32)[:, :3][self.faces]
        self.face_colors = corner_colors.mean(axis=1)
        self.face_labels = np.asarray(face_labels, dtype=np.int64)
        if len(self.face_labels) != len(self.faces):
            raise ValueError(f"face_labels has {len(self.face_labels)} entries for {len(self.faces)} faces")
        self.scene = o3d.t.geometry.RaycastingScene()
        self.scene.add_triangles(o3d.core.Tensor(np.asarray(vertices, dtype=np.float32)),
                                 o3d.core.Tensor(self.faces.astype(np.uint32)))

    def _cast(self, poses: np.ndarray, directions: np.ndarray) -> dict[str, np.ndarray]:
        """Cast the rays of every pose; returns arrays with a leading (n_poses * n_rays) axis."""
        rotations, origins = poses[:, :3, :3], poses[:, :3, 3]
        rays = np.empty((len(poses), len(directions), 6), dtype=np.float32)
        rays[:, :, :3] = origins[:, None, :]
        rays[:, :, 3:] = np.matmul(directions[None].astype(np.float32), rotations.transpose(0, 2, 1).astype(np.float32))
        rays = rays.reshape(-1, 6)
        world_dirs = rays[:, 3:]
        hits = self.scene.cast_rays(self._o3d.core.Tensor(rays))
        return {key: hits[key].numpy() for key in ("t_hit", "primitive_ids", "primitive_normals")} | {
            "directions": world_dirs}

    def render(self, poses: np.ndarray, color_camera: Camera, depth_camera: Camera) -> Iterator[RenderedFrame]:
        """Frames for (N, 4, 4) camera-to-world poses, in order (rays cast in batches of frames)."""
        poses = np.asarray(poses, dtype=np.float64)
        color_dirs = color_camera.ray_directions()
        depth_dirs = depth_camera.ray_directions()
        factor = color_camera.width // depth_camera.width
        # When the depth camera is a downscaled colour camera, its rays are a subset of the colour
        # rays and the depth image is read off the colour cast.
        shared = factor >= 1 and color_camera.width % depth_camera.width == 0 and (
            color_camera.height % depth_camera.height == 0 and depth_camera == color_camera.downscaled(factor))
        inverse_norm = (1.0 / np.linalg.norm(color_dirs, axis=1)).astype(np.float32)  # same for every pose
        per_batch = max(1, _MAX_RAYS_PER_BATCH // (len(color_dirs) + (0 if shared else len(depth_dirs))))
        invalid = np.iinfo(np.uint32).max
        for first in range(0, len(poses), per_batch):
            batch = poses[first:first + per_batch]
            color_hits = self._cast(batch, color_dirs)
            if shared:
                grid = color_hits["t_hit"].reshape(len(batch), color_camera.height, color_camera.width)
                depth_t = grid[:, ::factor, ::factor].reshape(-1)
            else:
                depth_t = self._cast(batch, depth_dirs)["t_hit"]
            ids = color_hits["primitive_ids"].astype(np.int64)
            hit = ids != invalid
            safe = np.where(hit, ids, 0)
            base = self.face_colors[safe]
            d, n = color_hits["directions"], color_hits["primitive_normals"]
            cosine = np.abs(n[:, 0] * d[:, 0] + n[:, 1] * d[:, 1] + n[:, 2] * d[:, 2]) * np.tile(inverse_norm, len(batch))
            light = np.where(hit, 0.45 + 0.55 * cosine, 0.0).astype(np.float32)
            colors = np.clip(base * light[:, None] + 0.5, 0, 255).astype(np.uint8)
            labels = np.where(hit, self.face_labels[safe], 0)
            depth_mm = np.where(np.isfinite(depth_t), np.round(depth_t.astype(np.float64) * 1000.0), 0.0)
            depth_mm = depth_mm.clip(0, 65535).astype(np.uint16)
            n_color = color_camera.width * color_camera.height
            n_depth = depth_camera.width * depth_camera.height
            for k in range(len(batch)):
                frame_labels = labels[k * n_color:(k + 1) * n_color]
                counts = np.bincount(frame_labels)
                yield RenderedFrame(
                    color=colors[k * n_color:(k + 1) * n_color].reshape(color_camera.height, color_camera.width, 3),
                    depth_mm=depth_mm[k * n_depth:(k + 1) * n_depth].reshape(depth_camera.height, depth_camera.width),
                    label_pixels={int(lab): int(n) for lab, n in enumerate(counts) if lab > 0 and n > 0},
                    labels=frame_labels.reshape(color_camera.height, color_camera.width),
                )
