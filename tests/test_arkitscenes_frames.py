"""Frames of ARKitScenes scans: the `lowres_wide` image folder is sampled with the rules of video
streams, reads only the sampled PNGs, carries the written poses and intrinsics, and its visibility
and appearance order agree with a per-pixel instance render of the same mesh; cache keys cover the
new stream while ScanNet keys stay as they were."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.scene import Scene

VID = "42445173"
SIZE = (128, 96)  # lowres_wide's 4:3, at half size
N = 30
T0 = 6845.7061  # ARKit stamps are seconds since the device booted


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A synthetic room rendered into an ARKitScenes video folder through the stream writer, with
    the render's per-frame instance pixel counts and the written cameras."""
    from vsi100k.arkitscenes.camera import write_lowres_wide
    from vsi100k.scannet.ply import write_ply
    from vsi100k.synth.layout import generate_layout
    from vsi100k.synth.mesh import build_room_mesh
    from vsi100k.synth.render import Camera, MeshRenderer
    from vsi100k.synth.trajectory import generate_trajectory
    from vsi100k.synth.writer import SynthConfig, _room_rng, _scan_rng, annotate

    cfg = SynthConfig(n_frames=N, color_size=SIZE, depth_size=(SIZE[0] // 2, SIZE[1] // 2))
    layout = generate_layout(_room_rng(7, 0), cfg.layout)
    rng = _scan_rng(7, 0)
    mesh = build_room_mesh(layout, rng, cfg.mesh)
    annotation = annotate(mesh, layout, rng, replace(cfg, duplicate_fault_rate=0.0))
    trajectory = generate_trajectory(layout, N, rng, cfg.trajectory)
    # an off-centre principal point and unequal focals, as a real pincam has
    camera = Camera(SIZE[0], SIZE[1], 105.9, 106.3, 63.2, 47.6)
    renderer = MeshRenderer(mesh.vertices, mesh.faces, mesh.colors,
                            annotation.owner_instance[mesh.owner[mesh.faces[:, 0]]])
    rendered = list(renderer.render(trajectory.poses, camera, camera))
    scan_dir = tmp_path_factory.mktemp("arkit") / VID
    scan_dir.mkdir()
    write_ply(scan_dir / f"{VID}_3dod_mesh.ply", mesh.vertices, mesh.colors, mesh.faces)
    times = T0 + np.round(trajectory.times_s, 3)
    write_lowres_wide(scan_dir / f"{VID}_frames", VID, times, trajectory.poses, camera.matrix()[:3, :3],
                      (frame.color for frame in rendered))
    scene = Scene(scene_id=VID, directory=scan_dir, vertices=mesh.vertices.astype(np.float32), colors=mesh.colors,
                  faces=mesh.faces, seg_indices=mesh.seg_indices, seg_groups=annotation.seg_groups,
                  axis_alignment=np.eye(4))
    return {"dir": scan_dir, "scene": scene, "times": times, "poses": trajectory.poses, "camera": camera,
            "pixels": [f.label_pixels for f in rendered], "colors": [f.color for f in rendered]}


def _decoded(payload: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(payload)).convert("RGB")).astype(np.int64)


def test_sampled_frames_are_the_written_images_and_poses(scan):
    from vsi100k.frames.sources import sample_scene_frames

    frames = sample_scene_frames(scan["scene"], FramesConfig(n_frames=8))
    expected = np.linspace(0, N - 1, 8, dtype=int)
    assert frames.indices.tolist() == expected.tolist() and frames.total_frames == N
    assert (frames.source, frames.source_name, frames.time_source) == ("images", "lowres_wide", "timestamps")
    assert np.allclose(frames.timestamps_s, scan["times"][expected] - scan["times"][0], atol=1e-9)
    assert np.abs(frames.poses - scan["poses"][expected]).max() < 1e-6
    assert np.allclose(frames.color_intrinsic, scan["camera"].matrix(), atol=1e-12)
    assert (frames.intrinsic_width, frames.intrinsic_height, frames.width, frames.height) == (*SIZE, *SIZE)
    for k, index in enumerate(expected):
        image = _decoded(frames.jpegs[k])
        error_own = np.abs(image - scan["colors"][index]).mean()
        error_next = np.abs(image - scan["colors"][(index + 1) % N]).mean()
        assert error_own < 3.0 and error_own < error_next / 2, (k, error_own, error_next)


def test_frames_are_resized_keeping_their_aspect(scan):
    from vsi100k.frames.sources import sample_scene_frames

    frames = sample_scene_frames(scan["scene"], FramesConfig(n_frames=3, max_width=64, max_height=64))
    assert (frames.width, frames.height) == (64, 48) and (frames.intrinsic_width, frames.intrinsic_height) == SIZE
    assert [Image.open(io.BytesIO(j)).size for j in frames.jpegs] == [(64, 48)] * 3


def test_only_the_sampled_pngs_are_read(scan, tmp_path):
    import shutil

    from vsi100k.frames.sources import sample_scene_frames

    folder = Path(shutil.copytree(scan["dir"], tmp_path / VID))
    scene = replace(scan["scene"], directory=folder)
    pngs = sorted((folder / f"{VID}_frames" / "lowres_wide").glob("*.png"), key=lambda p: float(p.stem.split("_")[1]))
    pngs[1].write_bytes(b"not a png")  # frame 1 is not among linspace(0, 29, 4) = 0, 9, 19, 29
    frames = sample_scene_frames(scene, FramesConfig(n_frames=4))
    assert frames.indices.tolist() == [0, 9, 19, 29]
    pngs[9].write_bytes(b"not a png")
    with pytest.raises(SceneError, match=rf"^{VID}: {pngs[9].name}: corrupt colour frame \(UnidentifiedImageError"):
        sample_scene_frames(scene, FramesConfig(n_frames=4))


def test_frames_without_a_pose_are_dropped_before_sampling(scan, tmp_path):
    """A capture with PNGs before the first and after the last traj line: those frames are never
    sampled; the 4 frames spread uniformly over the 24 posed ones keep their listing positions."""
    import shutil

    from vsi100k.frames.sources import sample_scene_frames

    folder = Path(shutil.copytree(scan["dir"], tmp_path / VID))
    traj = folder / f"{VID}_frames" / "lowres_wide.traj"
    traj.write_text("".join(line + "\n" for line in traj.read_text().splitlines()[3:27]))  # frames 3..26
    frames = sample_scene_frames(replace(scan["scene"], directory=folder), FramesConfig(n_frames=4))
    expected = 3 + np.linspace(0, 23, 4, dtype=int)
    assert expected.tolist() == [3, 10, 18, 26]
    assert frames.indices.tolist() == expected.tolist() and frames.total_frames == N
    assert np.allclose(frames.timestamps_s, scan["times"][expected] - scan["times"][0], atol=1e-9)
    assert np.abs(frames.poses - scan["poses"][expected]).max() < 1e-6
    assert frames.frames_without_pose == N - 24
    assert type(frames).from_meta(frames.to_meta(), frames.jpegs).frames_without_pose == N - 24  # cached too
    traj.write_text("1.0 0 0 0 0 0 0\n")
    with pytest.raises(SceneError, match=rf"^{VID}: lowres_wide\.traj: no frame has a pose within 5 ms: {N} frames "):
        sample_scene_frames(replace(scan["scene"], directory=folder), FramesConfig(n_frames=4))


def test_sampling_lists_the_folder_once(scan, monkeypatch):
    import vsi100k.arkitscenes.camera as camera
    from vsi100k.frames.sources import sample_scene_frames

    listings = []
    list_frames = camera.list_frames
    monkeypatch.setattr(camera, "list_frames", lambda *args: listings.append(args) or list_frames(*args))
    frames = sample_scene_frames(scan["scene"], FramesConfig(n_frames=3))
    assert len(listings) == 1 and frames.indices.tolist() == [0, 14, 29]


def test_a_png_whose_size_differs_from_its_pincam_is_named(scan, tmp_path):
    import shutil

    from vsi100k.frames.sources import sample_scene_frames

    folder = Path(shutil.copytree(scan["dir"], tmp_path / VID))
    first = min((folder / f"{VID}_frames" / "lowres_wide").glob("*.png"), key=lambda p: float(p.stem.split("_")[1]))
    Image.new("RGB", (96, 128)).save(first)
    with pytest.raises(SceneError, match=rf"^{VID}: {first.name}: image is 96 x 128 pixels but its intrinsics are "
                                         r"for 128 x 96$"):
        sample_scene_frames(replace(scan["scene"], directory=folder), FramesConfig(n_frames=4))


def test_missing_pose_file_stops_sampling_with_its_name(scan, tmp_path):
    import shutil

    from vsi100k.frames.sources import locate_stream, sample_scene_frames
    from vsi100k.frames.cache import frames_key

    folder = Path(shutil.copytree(scan["dir"], tmp_path / VID))
    (folder / f"{VID}_frames" / "lowres_wide.traj").unlink()
    frames_key(locate_stream(folder), FramesConfig())  # the key needs no traj; sampling names it
    with pytest.raises(SceneError, match=rf"^{VID}: lowres_wide\.traj: missing pose file"):
        sample_scene_frames(replace(scan["scene"], directory=folder), FramesConfig(n_frames=4))


def test_every_frame_in_order_for_export(scan):
    from vsi100k.frames.sources import iter_scene_rgb

    frames = list(iter_scene_rgb(scan["scene"]))
    assert len(frames) == N and all(np.array_equal(a, b) for a, b in zip(frames, scan["colors"]))


def test_visibility_and_appearance_order_agree_with_the_render(scan):
    """Rays through every pixel from the read poses and pincams are the render's own rays, so each
    instance's pixel count equals the render's; on the default coarser grid shares stay close."""
    from vsi100k.frames.scan import frames_and_visibility
    from vsi100k.frames.visibility import first_appearances

    frames, visibility = frames_and_visibility(scan["scene"], FramesConfig(n_frames=10, visibility_downscale=1))
    assert visibility is not None and visibility.valid_pose.all()
    assert (visibility.grid_width, visibility.grid_height) == SIZE
    written = [scan["pixels"][int(i)] for i in frames.indices]
    expected = np.array([[w.get(int(i), 0) for i in visibility.instance_ids] for w in written])
    assert np.array_equal(visibility.pixel_counts, expected)
    assert np.count_nonzero(expected > 0.005 * SIZE[0] * SIZE[1]) >= 10  # objects are in view
    coarse = frames_and_visibility(scan["scene"], FramesConfig(n_frames=10))[1]
    assert np.abs(coarse.pixel_fractions() - expected / (SIZE[0] * SIZE[1])).max() < 0.02
    # first appearance per category (instances of one raw label together), as the facts get it
    by_label: dict[str, list[int]] = {}
    for obj in scan["scene"].objects:
        by_label.setdefault(obj.label, []).append(obj.instance_id)
    threshold = FramesConfig().min_pixel_fraction
    from_render = {}
    for label, ids in by_label.items():
        shares = np.array([sum(w.get(i, 0) for i in ids) for w in written]) / (SIZE[0] * SIZE[1])
        if np.any(shares >= threshold):
            from_render[label] = int(np.flatnonzero(shares >= threshold)[0])
    first = first_appearances(visibility, by_label, threshold)
    assert first == from_render and len(set(first.values())) >= 3  # several distinct first frames


# ---- stream location and cache keys ----
def test_stream_location_and_files_of_an_image_folder(scan):
    from vsi100k.frames.sources import locate_stream, stream_of

    stream = locate_stream(scan["dir"])
    frames_dir = scan["dir"] / f"{VID}_frames"
    assert (stream.scene_id, stream.kind, stream.path, stream.orientation) == (VID, "images", frames_dir, "from_poses")
    expected = (frames_dir / "lowres_wide.traj", frames_dir / "lowres_wide_intrinsics", frames_dir / "lowres_wide")
    assert stream.inputs == stream_of(scan["scene"]).inputs == expected  # no metadata.csv beside this video
    assert stream.stated_rotation() is None


def test_an_arkitscenes_scan_without_frames_has_no_stream(scan, tmp_path):
    from vsi100k.frames.sources import locate_stream, sample_scene_frames

    folder = tmp_path / VID
    folder.mkdir()
    (folder / f"{VID}_3dod_mesh.ply").write_bytes((scan["dir"] / f"{VID}_3dod_mesh.ply").read_bytes())
    assert locate_stream(folder) is None
    with pytest.raises(SceneError, match=rf"^{VID}: {VID}: no colour stream to sample frames from \(no \.sens or "
                                         r"video, nor a lowres_wide image folder\)$"):
        sample_scene_frames(replace(scan["scene"], directory=folder), FramesConfig())


def test_frames_key_follows_the_listing_and_the_traj(scan, tmp_path):
    import shutil

    from vsi100k.frames.cache import frames_key
    from vsi100k.frames.sources import locate_stream

    folder = Path(shutil.copytree(scan["dir"], tmp_path / VID))
    cfg = FramesConfig()

    def key():
        return frames_key(locate_stream(folder), cfg)

    first = key()
    assert key() == first
    frames_dir = folder / f"{VID}_frames"
    extra = frames_dir / "lowres_wide" / f"{VID}_{T0 + 99:.3f}.png"
    shutil.copy(next((frames_dir / "lowres_wide").glob("*.png")), extra)
    with_extra = key()
    assert with_extra != first
    extra.unlink()
    traj = frames_dir / "lowres_wide.traj"
    traj.write_text(traj.read_text() + "\n")
    assert key() not in (first, with_extra)
    assert frames_key(locate_stream(folder), FramesConfig(n_frames=16)) != key()
    (tmp_path / "metadata.csv").write_text(f"video_id,sky_direction\n{VID},Up\n")  # the csv beside the video
    assert key() not in (first, with_extra)


def test_scannet_stream_keys_are_unchanged(tmp_path):
    import hashlib
    import json

    from vsi100k.frames.cache import CACHE_FORMAT, file_fingerprint, frames_key
    from vsi100k.frames.sources import locate_stream
    from vsi100k.synth import generate_scenes

    folder = generate_scenes(tmp_path, 1, seed=2, n_frames=4)[0]
    stream = locate_stream(folder)
    sens = folder / f"{folder.name}.sens"
    assert (stream.kind, stream.path, stream.inputs, stream.orientation) == ("sens", sens, (sens,), "as_stored")
    cfg = FramesConfig()
    # the key as it was computed before image folders existed
    payload = {"format": CACHE_FORMAT, "inputs": [file_fingerprint(sens)], "settings": cfg.sampling_settings()}
    before = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]
    assert frames_key(stream, cfg) == before


# ---- through the synthetic ARKitScenes writer and the source's reader ----
def test_synthetic_arkitscenes_frames_see_what_the_writer_rendered(tmp_path):
    """The synthetic writer renders through the stream writer; the source's reader, the frames
    stage and visibility must give back the written poses and see what the render saw."""
    from vsi100k.arkitscenes import load_scan
    from vsi100k.frames.scan import frames_and_visibility
    from vsi100k.frames.visibility import first_appearances
    from vsi100k.synth import SynthConfig, read_truth
    from vsi100k.synth.arkitscenes_writer import generate_arkitscenes_scenes
    from vsi100k.synth.writer import cameras

    cfg = SynthConfig(n_frames=40, color_size=(128, 96), depth_size=(64, 48))
    (folder,) = generate_arkitscenes_scenes(tmp_path, 1, seed=4, config=cfg)
    scene, truth = load_scan(folder), read_truth(folder)
    frames, visibility = frames_and_visibility(scene, FramesConfig(n_frames=8, visibility_downscale=1))
    indices = np.linspace(0, 39, 8, dtype=int)
    assert frames.indices.tolist() == indices.tolist() and frames.source == "images"
    written_times = np.round(np.asarray(truth.frame_times_s), 3)
    assert np.allclose(frames.timestamps_s, written_times[indices] - written_times[0], atol=1e-9)
    assert np.allclose(frames.color_intrinsic, cameras(cfg)[0].matrix(), atol=1e-9)
    assert np.all((frames.poses[:, 2, 3] > 1.0) & (frames.poses[:, 2, 3] < 2.0))  # eye height, z up
    total = 128 * 96
    written = [truth.frame_instance_pixels[int(i)] for i in indices]
    rendered = np.array([[w.get(int(i), 0) for i in visibility.instance_ids] for w in written]) / total
    assert rendered.max() > 0.05  # objects are in view
    # box-derived instances (a vertex inside a box) against the writer's per-object render
    error = np.abs(visibility.pixel_fractions() - rendered).max()
    assert error < 0.02
    # first appearances wherever the render's shares are clear of the threshold by that difference
    ids = {str(int(i)): [int(i)] for i in visibility.instance_ids}
    threshold = FramesConfig().min_pixel_fraction
    first = first_appearances(visibility, ids, threshold)
    checked = 0
    for k, name in enumerate(ids):
        seen = np.flatnonzero(rendered[:, k] >= threshold)
        if seen.size == 0:
            clear = np.all(rendered[:, k] < threshold - error)
            assert not clear or name not in first
            checked += int(clear)
        elif rendered[seen[0], k] >= threshold + error and np.all(rendered[:seen[0], k] < threshold - error):
            assert first.get(name) == int(seen[0]), (name, first.get(name), int(seen[0]))
            checked += 1
    assert checked >= 3
