"""ARKitScenes frames reach the model upright: synthetic captures held in all four ways, the turn
decided from the poses (not from `metadata.csv`, which states a wrong direction for one video),
images, intrinsics and poses turned together, and the disagreement counted in the build report,
the card and the frames rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.orientation import SKY_DIRECTION_ROTATION_DEG, rotate_rgb
from vsi100k.synth.arkitscenes_writer import CAPTURE_SKY, WRONG_SKY_INDEX, capture_sky, stated_sky
from vsi100k.synth.writer import SynthConfig

SEED = 3
COLOR = (64, 48)
CFG = SynthConfig(n_frames=10, color_size=COLOR, depth_size=(32, 24))


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> tuple[Path, list[Path]]:
    from vsi100k.synth.arkitscenes_writer import generate_arkitscenes_scenes

    root = tmp_path_factory.mktemp("held")
    return root, generate_arkitscenes_scenes(root, 4, seed=SEED, config=CFG)


def test_metadata_csv_states_every_direction_and_one_wrong(release):
    from vsi100k.arkitscenes.metadata import read_sky_directions

    root, folders = release
    stated = read_sky_directions(root / "3dod" / "metadata.csv")
    assert {f.name: stated[f.name] for f in folders} == {f.name: stated_sky(k) for k, f in enumerate(folders)}
    assert [capture_sky(k) for k in range(4)] == list(CAPTURE_SKY) == ["Up", "Left", "Down", "Right"]
    wrong = [k for k in range(4) if stated_sky(k) != capture_sky(k)]
    assert wrong == [WRONG_SKY_INDEX] == [1] and stated_sky(1) == "Down"


@pytest.mark.parametrize("index", range(4))
def test_frames_are_turned_upright_from_the_poses(release, index):
    from vsi100k.arkitscenes import load_scan
    from vsi100k.arkitscenes.files import ArkitFiles
    from vsi100k.frames.sources import sample_scene_frames

    _, folders = release
    folder = folders[index]
    frames = sample_scene_frames(load_scan(folder), FramesConfig(n_frames=4))
    turn = SKY_DIRECTION_ROTATION_DEG[capture_sky(index)]
    assert frames.rotation_deg == turn
    assert frames.stated_rotation_deg == SKY_DIRECTION_ROTATION_DEG[stated_sky(index)]
    assert frames.rotation_disagrees == (index == WRONG_SKY_INDEX)
    upright = COLOR if turn in (0, 180) else COLOR[::-1]
    assert (frames.width, frames.height) == upright == (frames.intrinsic_width, frames.intrinsic_height)
    # the stored PNGs turned: what the frames hold (JPEG aside)
    pngs = sorted(ArkitFiles(folder).images_dir.glob("*.png"))
    for k, number in enumerate(frames.indices):
        stored = np.asarray(Image.open(pngs[int(number)]).convert("RGB"))
        assert np.abs(frames.image(k).astype(int) - rotate_rgb(stored, turn).astype(int)).mean() < 6.0


@pytest.mark.parametrize("index", range(4))
def test_turned_camera_sees_the_turned_image(release, index):
    """A render through the frames' own (turned) pose and intrinsics is the stored render turned:
    visibility, which casts those rays, counts pixels of the upright frame; world up is up in it."""
    from vsi100k.arkitscenes import load_scan
    from vsi100k.frames.scan import frames_and_visibility
    from vsi100k.frames.visibility import face_instances, vertex_instances
    from vsi100k.synth.render import Camera, MeshRenderer

    _, folders = release
    scene = load_scan(folders[index])
    frames, visibility = frames_and_visibility(scene, FramesConfig(n_frames=4, visibility_downscale=1))
    k = frames.color_intrinsic
    camera = Camera(frames.intrinsic_width, frames.intrinsic_height, k[0, 0], k[1, 1], k[0, 2], k[1, 2])
    vertex_labels, _ = vertex_instances(scene.seg_indices, [o.segments for o in scene.objects])
    labels = face_instances(np.asarray(scene.faces, dtype=np.int64), vertex_labels)
    renderer = MeshRenderer(scene.vertices, scene.faces, scene.colors, labels)
    for j, rendered in enumerate(renderer.render(frames.poses, camera, camera)):
        stored = np.asarray(Image.open(sorted((folders[index] / f"{folders[index].name}_frames" / "lowres_wide")
                                              .glob("*.png"))[int(frames.indices[j])]).convert("RGB"))
        same = np.all(rendered.color == rotate_rgb(stored, frames.rotation_deg), axis=2).mean()
        assert same > 0.98
        # visibility's pixel counts are those of this upright render, instance by instance
        expected = [rendered.label_pixels.get(int(i), 0) for i in visibility.instance_ids]
        assert np.abs(visibility.pixel_counts[j] - expected).sum() <= 0.01 * camera.width * camera.height
        # the top row of the upright image looks higher than its bottom row
        rays = lambda v: frames.poses[j][:3, :3] @ np.array([(camera.width / 2 - k[0, 2]) / k[0, 0],
                                                              (v - k[1, 2]) / k[1, 1], 1.0])
        assert rays(0)[2] > rays(camera.height - 1)[2]
    assert (visibility.grid_width, visibility.grid_height) == (frames.width, frames.height)


def test_without_metadata_the_turn_is_still_decided(release, tmp_path):
    from vsi100k.arkitscenes import load_scan
    from vsi100k.frames.sources import locate_stream, sample_scene_frames

    _, folders = release
    folder = Path(shutil.copytree(folders[2], tmp_path / folders[2].name))  # no metadata.csv beside it
    assert locate_stream(folder).stated_rotation() is None
    frames = sample_scene_frames(load_scan(folder), FramesConfig(n_frames=3))
    assert (frames.rotation_deg, frames.stated_rotation_deg, frames.rotation_disagrees) == (180, None, False)


def test_a_malformed_metadata_csv_is_named(release, tmp_path):
    from vsi100k.arkitscenes.metadata import read_sky_directions

    bad = tmp_path / "metadata.csv"
    bad.write_text("video_id,visit_id,sky_direction,fold\n41000001,1,Sideways,Training\n")
    with pytest.raises(SceneError, match=r"^41000001: metadata\.csv: line 2: sky_direction 'Sideways' is not one "
                                         r"of Up, Left, Down, Right or NA$"):
        read_sky_directions(bad)
    bad.write_text("video_id,fold\n41000001,Training\n")
    with pytest.raises(SceneError, match=r"metadata\.csv: metadata csv lacks the column\(s\) sky_direction$"):
        read_sky_directions(bad)
    bad.write_text("video_id,sky_direction\n41000001.0,NA\n41000002,Left\n")
    assert read_sky_directions(bad) == {"41000001": None, "41000002": "Left"}


def test_build_rows_report_and_card_record_the_turns(release, tmp_path):
    import pyarrow.parquet as pq

    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.run import run_build
    from vsi100k.tasks.config import QuestionConfig

    root, folders = release
    built = run_build(BuildConfig(scenes_dir=root, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                  overwrite=True, frames=FramesConfig(n_frames=4), questions=QuestionConfig()),
                      progress=False)
    orientation = built.report["frame_orientation"]
    assert orientation["by_rotation_deg"] == {"0": 1, "90": 1, "180": 1, "270": 1}
    assert orientation["with_stated_rotation"] == 4
    wrong = folders[WRONG_SKY_INDEX].name
    assert orientation["disagreements"] == {wrong: {"applied": 90, "stated": 180}}
    card = (built.out_dir / "README.md").read_text()
    assert (f"the source's `sky_direction` states another turn for 1 of 4 scans: `{wrong}` (poses 90, stated 180)"
            in card)
    rotations = {}
    for shard in sorted((built.out_dir / "data" / "frames").glob("*.parquet")):
        table = pq.read_table(shard, columns=["scene_name", "rotation_deg"]).to_pydict()
        rotations.update(zip(table["scene_name"], table["rotation_deg"]))
    assert rotations == {f.name: SKY_DIRECTION_ROTATION_DEG[capture_sky(k)] for k, f in enumerate(folders)}
