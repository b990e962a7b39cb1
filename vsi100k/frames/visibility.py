"""Which object each sampled frame shows: ray-cast the axis-aligned mesh from every sampled pose.

Rays go through the colour intrinsics on a grid 1/downscale of the colour resolution (OpenCV
convention: pixel centres at integer coordinates, x right, y down, z forward), one ray per grid
cell centre. Each hit triangle is labelled with an instance id by the majority of its three
vertices; vertices get the instance of the scene's resolved object holding their segment
(`Scene.objects`: the same objects and instance ids the facts use). The result is a pixel count
per instance per frame; `attach_visibility` turns it into
first-appearance times per category and each instance's largest share of one frame (what the
question grounding rule reads, `vsi100k.tasks.grounding`) on the scene's facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.facts.schema import Appearances, SceneFacts
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.scene import Scene

RAY_BATCH = 1_000_000  # rays per Open3D call, bounds memory (about 24 MB of float32 rays)


@dataclass(frozen=True)
class Visibility:
    """Pixel counts per instance in each sampled frame.

    frame_indices: (N,) int64 source frame numbers; timestamps_s: (N,) float64 seconds.
    grid_width x grid_height: rays cast per frame (the reduced-resolution image).
    instance_ids: (K,) int64, 1..K, the scene's resolved objects (`Scene.objects`).
    instance_vertex_counts: (K,) int64 vertices whose segment belongs to each instance (equals the
        facts' vertex_count; used to check both sides number the instances alike).
    pixel_counts: (N, K) int64 rays of frame n that first hit instance k.
    valid_pose: (N,) bool; False where the pose is missing or not finite (lost tracking): no rays.
    """

    scene_id: str
    frame_indices: np.ndarray
    timestamps_s: np.ndarray
    grid_width: int
    grid_height: int
    instance_ids: np.ndarray
    instance_vertex_counts: np.ndarray
    pixel_counts: np.ndarray
    valid_pose: np.ndarray

    @property
    def rays_per_frame(self) -> int:
        return self.grid_width * self.grid_height

    def pixel_fractions(self) -> np.ndarray:
        """(N, K) float64 fraction of each frame covered by each instance."""
        return self.pixel_counts / float(self.rays_per_frame)

    def to_json(self) -> dict:
        return {
            "scene_id": self.scene_id,
            "frame_indices": [int(i) for i in self.frame_indices],
            "timestamps_s": [float(t) for t in self.timestamps_s],
            "grid_width": int(self.grid_width),
            "grid_height": int(self.grid_height),
            "instance_ids": [int(i) for i in self.instance_ids],
            "instance_vertex_counts": [int(c) for c in self.instance_vertex_counts],
            "pixel_counts": np.asarray(self.pixel_counts, dtype=np.int64).tolist(),
            "valid_pose": [bool(v) for v in self.valid_pose],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Visibility":
        k = len(data["instance_ids"])
        return cls(
            scene_id=data["scene_id"],
            frame_indices=np.asarray(data["frame_indices"], dtype=np.int64),
            timestamps_s=np.asarray(data["timestamps_s"], dtype=np.float64),
            grid_width=int(data["grid_width"]),
            grid_height=int(data["grid_height"]),
            instance_ids=np.asarray(data["instance_ids"], dtype=np.int64),
            instance_vertex_counts=np.asarray(data["instance_vertex_counts"], dtype=np.int64),
            pixel_counts=np.asarray(data["pixel_counts"], dtype=np.int64).reshape(-1, k),
            valid_pose=np.asarray(data["valid_pose"], dtype=bool),
        )


# ---- pure numpy pieces ----
def deduplicated_groups(scene: Scene) -> list:
    """The scene's resolved objects in instance-id order (instance id = position + 1); each has
    `.segments`. Duplicated segGroups are already dropped and shared objectIds merged on load."""
    return list(scene.objects)


def vertex_instances(seg_indices: np.ndarray, groups_segments: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Instance id per vertex and vertex count per instance.

    seg_indices: (V,) segment of each vertex. groups_segments: segments of instance 1, 2, ...
    Returns ((V,) int64 instance id, 0 = no object; a vertex in several groups takes the first),
    ((K,) int64 vertices whose segment is in each group).
    """
    seg_indices = np.asarray(seg_indices, dtype=np.int64)
    groups = [np.unique(np.asarray(g, dtype=np.int64)) for g in groups_segments]
    top = max([int(seg_indices.max(initial=-1))] + [int(g.max(initial=-1)) for g in groups]) + 1
    vertices_per_segment = np.bincount(seg_indices[seg_indices >= 0], minlength=top)
    instance_of_segment = np.zeros(top, dtype=np.int64)
    for k in range(len(groups) - 1, -1, -1):  # reverse, so the first group wins overlaps
        instance_of_segment[groups[k][groups[k] >= 0]] = k + 1
    labels = np.where(seg_indices >= 0, instance_of_segment[np.clip(seg_indices, 0, None)], 0)
    counts = np.array([int(vertices_per_segment[g[g >= 0]].sum()) for g in groups], dtype=np.int64)
    return labels, counts


def face_instances(faces: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(F,) int64 instance of each triangle: the label two or three of its vertices share, else
    the first vertex's (a triangle straddling three objects is rare and tiny)."""
    a, b, c = (labels[faces[:, j]] for j in range(3))
    return np.where((a == b) | (a == c), a, np.where(b == c, b, a))


def ray_grid_size(width: int, height: int, downscale: int) -> tuple[int, int]:
    """(grid width, grid height): the colour resolution divided by `downscale`, at least 1 x 1."""
    return max(1, int(round(width / downscale))), max(1, int(round(height / downscale)))


def pixel_directions(intrinsic: np.ndarray, width: int, height: int, grid: tuple[int, int]) -> np.ndarray:
    """(grid_h * grid_w, 3) float64 camera-frame ray directions (z = 1) in row-major cell order.

    intrinsic: (3, 3) or (4, 4) pinhole matrix in pixels of a `width` x `height` image.
    grid: (gw, gh) cells covering that image; each ray passes through a cell centre.
    """
    gw, gh = grid
    fx, fy, cx, cy = intrinsic[0, 0], intrinsic[1, 1], intrinsic[0, 2], intrinsic[1, 2]
    u = (np.arange(gw) + 0.5) * (width / gw) - 0.5
    v = (np.arange(gh) + 0.5) * (height / gh) - 0.5
    uu, vv = np.meshgrid(u, v)  # (gh, gw)
    return np.stack([(uu - cx) / fx, (vv - cy) / fy, np.ones_like(uu)], axis=-1).reshape(-1, 3)


def camera_rays(directions: np.ndarray, camera_to_world: np.ndarray) -> np.ndarray:
    """(M, 6) float32 rays (origin xyz, direction xyz) of camera-frame `directions` (M, 3) seen
    from a (4, 4) camera-to-world pose in the mesh's frame (aligned: axisAlignment @ raw pose).
    Directions stay unnormalised."""
    rays = np.empty((len(directions), 6), dtype=np.float32)
    rays[:, :3] = camera_to_world[:3, 3]
    rays[:, 3:] = directions @ camera_to_world[:3, :3].T
    return rays


# ---- ray casting ----
def compute_visibility(scene: Scene, frames: SampledFrames, cfg: FramesConfig) -> Visibility:
    """Pixel counts per instance in each sampled frame (see module docstring).

    Raises SceneError when the frames carry no camera (an mp4 without pose folder/intrinsics).
    """
    import open3d as o3d

    if not frames.has_camera:
        raise SceneError(scene.scene_id, frames.source_name,
                         "no camera poses or intrinsics: visibility needs a .sens, or an mp4 with pose/ and intrinsic_color.txt")
    groups = scene.objects
    labels, vertex_counts = vertex_instances(scene.seg_indices, [g.segments for g in groups])
    faces = np.asarray(scene.faces, dtype=np.int64)
    triangle_labels = face_instances(faces, labels)
    raycaster = o3d.t.geometry.RaycastingScene()
    raycaster.add_triangles(
        o3d.core.Tensor(scene.aligned_vertices().astype(np.float32)),
        o3d.core.Tensor(faces.astype(np.uint32)),
    )
    grid = ray_grid_size(frames.intrinsic_width, frames.intrinsic_height, cfg.visibility_downscale)
    directions = pixel_directions(frames.color_intrinsic, frames.intrinsic_width, frames.intrinsic_height, grid)
    rays_per_frame = grid[0] * grid[1]
    n, k = len(frames), len(groups)
    counts = np.zeros((n, k + 1), dtype=np.int64)
    valid = np.array([bool(np.all(np.isfinite(p))) for p in frames.poses])
    usable = np.flatnonzero(valid)
    per_batch = max(1, RAY_BATCH // rays_per_frame)
    for start in range(0, len(usable), per_batch):
        chunk = usable[start:start + per_batch]
        rays = np.concatenate([camera_rays(directions, scene.axis_alignment @ frames.poses[f]) for f in chunk])
        hit = raycaster.cast_rays(o3d.core.Tensor(rays))["primitive_ids"].numpy().astype(np.int64)
        missed = hit == o3d.t.geometry.RaycastingScene.INVALID_ID
        hit_labels = np.where(missed, 0, triangle_labels[np.where(missed, 0, hit)])
        frame_of_ray = np.repeat(np.arange(len(chunk)), rays_per_frame)
        counts[chunk] = np.bincount(frame_of_ray * (k + 1) + hit_labels, minlength=len(chunk) * (k + 1)).reshape(len(chunk), k + 1)
    return Visibility(
        scene_id=scene.scene_id,
        frame_indices=np.asarray(frames.indices, dtype=np.int64),
        timestamps_s=np.asarray(frames.timestamps_s, dtype=np.float64),
        grid_width=grid[0],
        grid_height=grid[1],
        instance_ids=np.arange(1, k + 1, dtype=np.int64),
        instance_vertex_counts=vertex_counts,
        pixel_counts=counts[:, 1:],
        valid_pose=valid,
    )


# ---- onto the facts ----
def first_appearances(visibility: Visibility, instances_by_category: dict[str, list[int]],
                      min_pixel_fraction: float) -> dict[str, int]:
    """category -> position (0..N-1) of the first sampled frame in which the category's instances
    together cover at least `min_pixel_fraction` of the frame; categories never seen are absent."""
    column = {int(i): c for c, i in enumerate(visibility.instance_ids)}
    out: dict[str, int] = {}
    for category, ids in instances_by_category.items():
        cols = [column[i] for i in ids if i in column]
        if not cols:
            continue
        covered = visibility.pixel_counts[:, cols].sum(axis=1) / float(visibility.rays_per_frame)
        seen = np.flatnonzero(covered >= min_pixel_fraction)
        if seen.size:
            out[category] = int(seen[0])
    return out


def max_pixels(visibility: Visibility) -> dict[int, int]:
    """instance id -> the most rays of any one sampled frame that hit it (frames without a pose hit
    nothing), for every instance of the scene (0 when no frame shows it)."""
    most = visibility.pixel_counts.max(axis=0) if len(visibility.pixel_counts) else np.zeros(len(visibility.instance_ids))
    return {int(i): int(n) for i, n in zip(visibility.instance_ids, most)}


def attach_visibility(facts: SceneFacts, visibility: Visibility, *,
                      min_pixel_fraction: float = FramesConfig.min_pixel_fraction) -> SceneFacts:
    """A copy of `facts` with the first appearances of its categories and each instance's largest
    pixel count in one frame (`SceneFacts.appearances`).

    Raises SceneError when the facts and the visibility number the instances differently.
    """
    by_id = {int(i): int(c) for i, c in zip(visibility.instance_ids, visibility.instance_vertex_counts)}
    for obj in facts.objects:
        if obj.instance_id not in by_id or by_id[obj.instance_id] != obj.vertex_count:
            raise SceneError(
                facts.scene_id, None,
                f"facts object {obj.instance_id} ({obj.raw_label}, {obj.vertex_count} vertices) does not match the "
                f"visibility's instance {obj.instance_id} ({by_id.get(obj.instance_id, 'absent')} vertices); "
                "rebuild facts and frames from the same scan",
            )
    first = first_appearances(visibility, facts.instances_by_category(), min_pixel_fraction)
    appearances = Appearances(
        first_s={c: float(visibility.timestamps_s[k]) for c, k in sorted(first.items())},
        first_frame={c: int(visibility.frame_indices[k]) for c, k in sorted(first.items())},
        min_pixel_fraction=float(min_pixel_fraction),
        n_frames=int(len(visibility.frame_indices)),
        frames_with_pose=int(np.count_nonzero(visibility.valid_pose)),
        ray_grid=(int(visibility.grid_width), int(visibility.grid_height)),
        max_pixels=max_pixels(visibility),
    )
    return replace(facts, appearances=appearances)
