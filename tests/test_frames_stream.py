"""The frames stage reads streams only through the `ColourStream` record: no module under
`vsi100k/frames/` imports a source package, and the record refuses what it cannot read."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import vsi100k.frames
from vsi100k.frames.stream import ColourStream

SOURCE_PACKAGES = ("vsi100k.scannet", "vsi100k.scannetpp", "vsi100k.arkitscenes")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_frames_module_imports_a_source_package():
    folder = Path(vsi100k.frames.__file__).parent
    files = sorted(folder.glob("*.py"))
    assert len(files) >= 10 and folder / "sources.py" in files
    offending = {f.name: sorted(m for m in imported_modules(f)
                                if any(m == p or m.startswith(p + ".") for p in SOURCE_PACKAGES))
                 for f in files}
    assert {name: found for name, found in offending.items() if found} == {}
    # the check sees function-level imports (what the old stream code did)
    probe = folder.parent / "sources" / "scannet.py"
    assert "vsi100k.scannet" in imported_modules(probe)


def test_a_stream_record_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(ValueError, match=r"^s1: stream kind 'tape' is not one of sens, video, images$"):
        ColourStream("s1", tmp_path, "tape", tmp_path / "x", ())
    with pytest.raises(ValueError, match=r"^s1: a 'sens' stream needs its reader functions$"):
        ColourStream("s1", tmp_path, "sens", tmp_path / "x.sens", ())
    with pytest.raises(ValueError, match=r"^s1: a 'images' stream needs its reader functions$"):
        ColourStream("s1", tmp_path, "images", tmp_path / "frames", (), list_images=lambda: None)
    with pytest.raises(ValueError, match=r"^s1: orientation 'sideways' is not one of as_stored, from_poses$"):
        ColourStream("s1", tmp_path, "video", tmp_path / "v.mkv", (), orientation="sideways")
    assert ColourStream("s1", tmp_path, "video", tmp_path / "v.mkv", ()).name == "v.mkv"


def test_every_source_describes_its_stream(tmp_path):
    from vsi100k.sources import SOURCES

    for source in SOURCES.values():
        assert source.stream(tmp_path / "absent", None) is None  # a folder without a stream has none


def test_frames_row_rotation_is_checked():
    from vsi100k.dataset.rows import frame_row

    with pytest.raises(ValueError, match=r"^s: rotation_deg 45 is not one of 0, 90, 180, 270$"):
        frame_row("s", frame_indices=[0], timestamps_s=[0.0], jpegs=[b"\xff\xd8"], width=8, height=8,
                  source="images", rotation_deg=45)
    row = frame_row("s", frame_indices=[0], timestamps_s=[0.0], jpegs=[b"\xff\xd8"], width=8, height=8,
                    source="images", rotation_deg=270)
    assert row["rotation_deg"] == 270


def test_a_video_stream_held_sideways_is_turned_from_its_poses(tmp_path):
    """A video stream asking for "from_poses": frames, intrinsics and poses turned together, the
    stated turn recorded beside the applied one."""
    from frames_support import textured_rgb
    from test_frames_orientation import held, upright_pose

    from vsi100k.frames.config import FramesConfig
    from vsi100k.frames.export import write_mp4
    from vsi100k.frames.orientation import rotate_camera, rotate_rgb
    from vsi100k.frames.sources import sample_stream
    from vsi100k.frames.stream import StreamCameras

    rng = np.random.default_rng(5)
    images = [textured_rgb(rng, 64, 48) for _ in range(12)]
    path = tmp_path / "held.mp4"
    write_mp4(path, images, fps=24.0, crf=10)
    stored = held(np.stack([upright_pose(0.3 * k) for k in range(12)]), "Left")
    k3 = np.array([[60.0, 0, 31.5], [0, 61.0, 23.5], [0, 0, 1]])

    def cameras(indices, size):
        assert size == (64, 48)
        return StreamCameras(poses=stored[indices], intrinsic=k3, width=64, height=48)

    stream = ColourStream("s1", tmp_path, "video", path, (path,), video_cameras=cameras,
                          orientation="from_poses", stated_rotation=lambda: 180)
    frames = sample_stream(stream, FramesConfig(n_frames=4))
    assert (frames.rotation_deg, frames.stated_rotation_deg, frames.rotation_disagrees) == (90, 180, True)
    assert (frames.width, frames.height, frames.intrinsic_width, frames.intrinsic_height) == (48, 64, 48, 64)
    intrinsic, _, _, poses = rotate_camera(k3, 64, 48, stored[frames.indices], 90)
    assert np.allclose(frames.color_intrinsic[:3, :3], intrinsic) and np.allclose(frames.poses, poses)
    for k, index in enumerate(frames.indices):
        diff = np.abs(frames.image(k).astype(int) - rotate_rgb(images[int(index)], 90).astype(int)).mean()
        assert diff < 8.0
    plain = sample_stream(ColourStream("s1", tmp_path, "video", path, (path,), video_cameras=cameras),
                          FramesConfig(n_frames=4))
    assert (plain.rotation_deg, plain.stated_rotation_deg, plain.width) == (0, None, 64)


def test_the_whole_stream_of_a_from_poses_video_is_refused_not_exported_unturned(tmp_path, monkeypatch):
    """No registered source has such a stream; one that did would otherwise export frames in
    another orientation than its sampled ones."""
    import vsi100k.frames.sources as sources

    path = tmp_path / "held.mp4"
    turned = ColourStream("s1", tmp_path, "video", path, (path,), orientation="from_poses")
    monkeypatch.setattr(sources, "required_stream", lambda scene: turned)
    with pytest.raises(ValueError, match=r'^s1: held\.mp4: a "from_poses" video stream is turned by its sampled '
                                         r"frames' poses; export the sampled frames"):
        sources.iter_scene_rgb(None)
