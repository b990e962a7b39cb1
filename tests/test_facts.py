"""Facts engine: vocabulary, extraction on hand-built scenes, the pipeline's facts stage, the CLI,
synthetic truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vsi100k.errors import ConfigError, SceneError
from vsi100k.facts.extract import FactsConfig, extract_facts
from vsi100k.facts.schema import SceneFacts
from vsi100k.facts.vocabulary import category_for, default_vocabulary, normalize_label, parse_vocabulary
from vsi100k.scene import Scene, SegGroup

VSIBENCH_CATEGORIES = (
    "door", "table", "chair", "trash bin", "window", "backpack", "pillow", "bed", "mirror", "lamp", "sofa",
    "refrigerator", "monitor", "radiator", "tv", "counter", "bookshelf", "towel", "nightstand", "telephone",
    "printer", "microwave", "plant", "keyboard", "clock", "closet", "fan", "washing machine", "oven",
    "mattress", "computer mouse", "guitar", "piano",
)


# ---------------------------------------------------------------- vocabulary
def test_vocabulary_covers_the_vsibench_categories():
    vocabulary = default_vocabulary()
    for name in VSIBENCH_CATEGORIES:
        assert name in vocabulary.categories
        assert category_for(name) == name


@pytest.mark.parametrize("raw,expected", [
    ("trash can", "trash bin"), ("trashcan", "trash bin"), ("  Trash_Can ", "trash bin"),
    ("office chair", "chair"), ("armchair", "chair"), ("couch", "sofa"), ("mini fridge", "refrigerator"),
    ("mouse", "computer mouse"), ("keyboard piano", "piano"), ("keyboard", "keyboard"), ("television", "tv"),
    ("kitchen counter", "counter"), ("bookcase", "bookshelf"), ("night stand", "nightstand"),
    ("wall", None), ("floor", None), ("ceiling", None), ("object", None), ("stuff", None),
    ("chairs", None), ("kitchen cabinets", None), ("desk", None), ("stool", None), ("toilet", "toilet"), ("definitely not a label", None), ("", None), (None, None), (7, None),
])
def test_category_for(raw, expected):
    assert category_for(raw) == expected


def test_normalize_label():
    assert normalize_label("  Kitchen__Counter\t top ") == "kitchen counter top"


def test_parse_vocabulary_errors():
    with pytest.raises(ValueError, match=r"v.json: no 'categories' mapping"):
        parse_vocabulary({}, "v.json")
    with pytest.raises(ValueError, match="label 'couch' maps to both 'sofa' and 'chair'; keep it in one"):
        parse_vocabulary({"categories": {"sofa": ["couch"], "chair": ["couch"]}})
    with pytest.raises(ValueError, match="label 'wall' is both excluded and a synonym of 'door'"):
        parse_vocabulary({"categories": {"door": ["wall"]}, "excluded": ["Wall"]})
    with pytest.raises(ValueError, match="category name 'Trash Bin' is not normalised"):
        parse_vocabulary({"categories": {"Trash Bin": []}})
    with pytest.raises(ValueError, match="extra category 'desk' is justified but not defined in 'categories'"):
        parse_vocabulary({"categories": {"table": []}, "extra_categories": {"desk": "why"}})


# ---------------------------------------------------------------- hand-built scenes
def yaw_matrix(yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def box_vertices(center, size, yaw, rng, n=240) -> np.ndarray:
    """Corners plus random surface points of a yawed box (aligned frame)."""
    size = np.asarray(size, dtype=float)
    corners = np.array([[sx, sy, sz] for sx in (-0.5, 0.5) for sy in (-0.5, 0.5) for sz in (-0.5, 0.5)])
    local = rng.uniform(-0.5, 0.5, (n, 3))
    local[np.arange(n), rng.integers(0, 3, n)] = rng.choice([-0.5, 0.5], n)
    return np.concatenate([corners, local]) * size @ yaw_matrix(yaw).T + np.asarray(center, dtype=float)


# label, centre, size (length along yaw, width, height), yaw
OBJECTS = [
    ("table", [1.0, 1.0, 0.4], [1.2, 0.6, 0.8], 0.0),
    ("Office Chair", [3.0, 1.0, 0.45], [0.5, 0.5, 0.9], 0.0),
    ("chair", [1.0, 2.5, 0.45], [0.55, 0.45, 0.9], 0.6),
    ("trash can", [3.5, 2.6, 0.3], [0.3, 0.3, 0.6], 0.0),
    ("wall", [2.0, 2.98, 1.2], [4.0, 0.04, 2.4], 0.0),
]
FLOOR_M = (4.0, 3.0)


def scene_arrays(alignment: np.ndarray | None = None, seed: int = 0):
    """Aligned vertices, segment ids and groups of a 4 m x 3 m room with OBJECTS; raw vertices via
    the inverse of `alignment`. Object k uses segments 10k+1 and 10k+2; the floor segment 1."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.linspace(0, FLOOR_M[0], 81), np.linspace(0, FLOOR_M[1], 61))
    floor = np.c_[gx.ravel(), gy.ravel(), np.zeros(gx.size)]
    parts, segs, groups = [floor], [np.ones(len(floor), dtype=np.int64)], [SegGroup(0, 0, (1,), "floor")]
    for k, (label, center, size, yaw) in enumerate(OBJECTS, start=1):
        pts = box_vertices(center, size, yaw, rng)
        half = len(pts) // 2
        parts.append(pts)
        segs.append(np.r_[np.full(half, 10 * k + 1), np.full(len(pts) - half, 10 * k + 2)])
        groups.append(SegGroup(k, k, (10 * k + 1, 10 * k + 2), label))
    aligned = np.concatenate(parts)
    alignment = np.eye(4) if alignment is None else alignment
    raw = (aligned - alignment[:3, 3]) @ np.linalg.inv(alignment[:3, :3]).T
    return raw.astype(np.float32), aligned, np.concatenate(segs), groups


def make_scene(groups_extra=(), alignment=None, scene_id="scene0001_00") -> Scene:
    raw, _, seg, groups = scene_arrays(alignment)
    alignment = np.eye(4) if alignment is None else alignment
    return Scene(
        scene_id=scene_id, directory=Path(scene_id), vertices=raw,
        colors=np.full((len(raw), 4), 255, np.uint8), faces=np.zeros((0, 3), np.int32),
        seg_indices=seg, seg_groups=tuple(groups) + tuple(groups_extra), axis_alignment=alignment,
    )


def test_objects_ids_categories_and_notes():
    extra = (
        SegGroup(6, 6, (12, 11), "table"),  # same segments as the table, other order: a duplicate
        SegGroup(7, 7, (987654,), "lamp"),  # no vertex has this segment
        SegGroup(8, 8, (31,), "backpack"),  # half of the chair's vertices
    )
    facts = extract_facts(make_scene(extra), FactsConfig(box_method="axis_aligned"))
    got = [(o.instance_id, o.raw_label, o.category, o.vertex_count) for o in facts.objects]
    assert got == [
        (1, "floor", None, 81 * 61), (2, "table", "table", 248), (3, "Office Chair", "chair", 248),
        (4, "chair", "chair", 248), (5, "trash can", "trash bin", 248), (6, "wall", None, 248),
        (8, "backpack", "backpack", 124),
    ]
    assert facts.instances_by_category() == {"table": [2], "chair": [3, 4], "trash bin": [5], "backpack": [8]}
    assert facts.notes == (
        "removed 1 duplicated segGroups (same segments as an earlier group): ids 6",
        "skipped 1 segGroups with no vertices: 7 ('lamp')",
    )


def test_objects_with_few_vertices_get_flat_boxes_and_a_note():
    scene = make_scene()
    extra = np.array([[2.0, 1.5, 0.3], [2.3, 1.5, 0.3], [2.1, 1.6, 0.3]], dtype=np.float32)
    tiny = Scene(scene.scene_id, scene.directory, np.concatenate([scene.vertices, extra]),
                 np.concatenate([scene.colors, scene.colors[:3]]), scene.faces,
                 np.concatenate([scene.seg_indices, [500, 500, 500]]),
                 scene.seg_groups + (SegGroup(9, 9, (500,), "clock"),), scene.axis_alignment)
    facts = extract_facts(tiny)
    clock = facts.object(7)
    assert (clock.category, clock.vertex_count) == ("clock", 3)
    # a flat triangle: the smallest rectangle lies along its 0.3 m side (area 0.03 m2, the others 0.036, 0.045)
    np.testing.assert_allclose(clock.boxes["oriented"].extent, [0.3, 0.1, 0.0], atol=1e-6)
    np.testing.assert_allclose(clock.boxes["oriented"].center, [2.15, 1.55, 0.3], atol=1e-6)
    assert facts.notes == ("1 objects have fewer than 4 vertices (flat boxes): 7 ('clock', 3)",)
    assert (2, 7) in facts.distances_m


def test_boxes_match_the_built_objects():
    facts = extract_facts(make_scene())
    for (label, center, size, yaw), obj in zip(OBJECTS, facts.objects[1:]):
        gravity = obj.boxes["gravity_aligned"]
        np.testing.assert_allclose(sorted(gravity.extent[:2]), sorted(size[:2]), atol=1e-6)
        assert gravity.extent[2] == pytest.approx(size[2], abs=1e-6)
        np.testing.assert_allclose(gravity.center, center, atol=1e-6)
        oriented = obj.boxes["oriented"]
        np.testing.assert_allclose(sorted(oriented.extent), sorted(size), atol=1e-5)
        assert oriented.size_m == pytest.approx(max(size), abs=1e-5)
        aabb = obj.boxes["axis_aligned"]
        corners = np.array(box_vertices(center, size, yaw, np.random.default_rng(0), n=0))
        np.testing.assert_allclose(aabb.extent, np.ptp(corners, axis=0), atol=1e-6)


def test_oriented_engine_is_configurable():
    exact = extract_facts(make_scene())
    fast = extract_facts(make_scene(), FactsConfig(oriented_engine="numpy"))
    assert fast.extra["config"]["oriented_engine"] == "numpy"
    for a, b in zip(exact.objects, fast.objects):
        # box-shaped objects: both engines find the same box
        np.testing.assert_allclose(a.boxes["oriented"].extent, b.boxes["oriented"].extent, atol=1e-6)
        np.testing.assert_allclose(a.boxes["oriented"].center, b.boxes["oriented"].center, atol=1e-6)


def test_distances_by_method():
    scene = make_scene()
    grid = extract_facts(scene, FactsConfig(box_method="axis_aligned"))
    # only categorised objects (ids 2..5), every pair once, ascending ids
    assert sorted(grid.distances_m) == [(2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5)]
    # table x in [0.4, 1.6] and office chair x in [2.75, 3.25]: aligned 5 cm lattices on both faces
    assert grid.distance_m(2, 3) == pytest.approx(1.15, abs=1e-6)
    closest = extract_facts(scene, FactsConfig(distance_method="closest_points"))
    # random points on the two facing faces: never closer than the faces, nearly as close
    assert 1.15 - 1e-6 <= closest.distance_m(3, 2) < 1.151
    centers = extract_facts(scene, FactsConfig(distance_method="centers"))
    assert centers.distance_m(2, 3) == pytest.approx(np.hypot(2.0, 0.05), abs=1e-6)
    assert centers.distance_method == "centers" and grid.box_method == "axis_aligned"
    for facts in (grid, closest, centers):
        assert facts.distance_m(2, 5) > facts.distance_m(2, 3) > 0


def test_room_area_and_outline():
    facts = extract_facts(make_scene())
    assert facts.room_area_m2 == pytest.approx(FLOOR_M[0] * FLOOR_M[1], abs=1e-4)  # float32 vertices
    (ring,) = facts.room_outline
    ring = np.asarray(ring)
    shoelace = np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1]) / 2
    assert shoelace == pytest.approx(12.0, abs=1e-3)
    # simplified to the rectangle's corners (the floor grid puts 280 points on its boundary)
    np.testing.assert_allclose(sorted(map(tuple, ring[:-1])), [(0, 0), (0, 3), (4, 0), (4, 3)], atol=1e-3)
    assert facts.extra["config"]["room_alpha"] == 5.0


def test_room_uses_a_seeded_sample_of_vertices():
    from vsi100k.geometry.alpha_shape import alpha_shape_area

    scene = make_scene()
    cfg = FactsConfig(room_sample_count=300, room_sample_seed=3)
    facts = extract_facts(scene, cfg)
    # documented draw: default_rng(seed).choice(V, count, replace=False) over all mesh vertices
    pick = np.random.default_rng(3).choice(len(scene.vertices), size=300, replace=False)
    expected = alpha_shape_area(scene.aligned_vertices()[pick, :2], 5.0)
    assert facts.room_area_m2 == round(expected, 6)  # stored at the declared 1e-6 m2
    assert expected < 0.9 * 12.0  # 300 of ~6,000 vertices are too sparse for alpha 5
    other = extract_facts(scene, FactsConfig(room_sample_count=300, room_sample_seed=4))
    assert other.room_area_m2 != facts.room_area_m2


def test_axis_alignment_is_applied():
    theta = 0.7
    alignment = np.eye(4)
    alignment[:3, :3] = yaw_matrix(theta)
    alignment[:3, 3] = [5.0, -2.0, 0.3]
    plain = extract_facts(make_scene())
    aligned = extract_facts(make_scene(alignment=alignment))
    assert aligned.room_area_m2 == pytest.approx(plain.room_area_m2, rel=1e-5)
    for a, b in zip(plain.objects, aligned.objects):
        np.testing.assert_allclose(a.boxes["axis_aligned"].extent, b.boxes["axis_aligned"].extent, atol=1e-5)
        np.testing.assert_allclose(a.boxes["gravity_aligned"].center, b.boxes["gravity_aligned"].center, atol=1e-5)
    for key, value in plain.distances_m.items():
        assert aligned.distances_m[key] == pytest.approx(value, abs=1e-5)


def test_facts_json_round_trip_is_exact(tmp_path):
    facts = extract_facts(make_scene())
    path = tmp_path / "scene0001_00.facts.json"
    facts.write(path)
    back = SceneFacts.read(path)
    assert back.to_json() == json.loads(path.read_text())
    assert back.distances_m == facts.distances_m
    assert back.box(2).size_m == facts.box(2).size_m
    again = tmp_path / "again.json"
    extract_facts(make_scene()).write(again)
    assert again.read_bytes() == path.read_bytes()  # deterministic, byte for byte


def test_scene_errors():
    scene = make_scene()
    bad = Scene(scene.scene_id, scene.directory, scene.vertices, scene.colors, scene.faces,
                scene.seg_indices[:-1], scene.seg_groups, scene.axis_alignment)
    with pytest.raises(SceneError, match=r"scene0001_00: scene0001_00: segment indices have shape \(\d+,\), expected one per vertex"):
        extract_facts(bad)
    empty = Scene(scene.scene_id, scene.directory, np.zeros((0, 3), np.float32), scene.colors[:0], scene.faces,
                  scene.seg_indices[:0], (), scene.axis_alignment)
    with pytest.raises(SceneError, match=r"scene0001_00: scene0001_00: mesh has no usable vertices \(shape \(0, 3\)\)"):
        extract_facts(empty)
    nan = scene.vertices.copy()
    nan[3, 1] = np.nan
    broken = Scene(scene.scene_id, scene.directory, nan, scene.colors, scene.faces, scene.seg_indices,
                   scene.seg_groups, scene.axis_alignment)
    with pytest.raises(SceneError, match="vertices contain NaN or infinite coordinates"):
        extract_facts(broken)


@pytest.mark.parametrize("kwargs,message", [
    ({"box_method": "obb"}, "box_method 'obb' is unknown; use one of oriented, axis_aligned, gravity_aligned"),
    ({"distance_method": "mesh"}, "distance_method 'mesh' is unknown; use one of box_grid, closest_points, centers"),
    ({"oriented_engine": "cgal"}, "oriented_engine 'cgal' is unknown; use one of open3d, numpy"),
    ({"grid_step_m": 0.0}, r"grid_step_m must be > 0 metres \(VSI-Bench uses 0.05\), got 0.0"),
    ({"room_alpha": -1.0}, r"room_alpha must be >= 0 \(VSI-Bench uses 5.0; 0 = convex hull\), got -1.0"),
    ({"room_sample_count": 3}, r"room_sample_count must be >= 4 \(VSI-Bench uses 10000\), got 3"),
    ({"outline_tolerance_m": -1.0}, r"outline_tolerance_m must be >= 0 metres \(0 keeps every vertex\), got -1.0"),
    ({"outline_decimals": 12}, r"outline_decimals must be in \[0, 9\], got 12"),
])
def test_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        FactsConfig(**kwargs)


# ---------------------------------------------------------------- the facts stage (through the real ScanNet reader)
def write_scan(root: Path, scene_id: str, seed: int) -> Path:
    from vsi100k.scannet import write_scene_files

    raw, _, seg, groups = scene_arrays(seed=seed)
    faces = np.arange(len(raw) // 3 * 3, dtype=np.int32).reshape(-1, 3)  # a mesh needs faces; facts read vertices
    write_scene_files(
        root / scene_id, scene_id, vertices=raw, colors=np.full((len(raw), 3), 200, np.uint8),
        faces=faces, seg_indices=seg, seg_groups=groups, axis_alignment=np.eye(4),
        metadata={"sceneType": "Office"},
    )
    return root / scene_id


@pytest.fixture()
def scan_root(tmp_path):
    """Three scans (the third with a truncated mesh) and ScanNet split lists beside them."""
    root = tmp_path / "scans"
    write_scan(root, "scene0001_00", 1)
    write_scan(root, "scene0002_00", 2)
    broken = write_scan(root, "scene0003_00", 3)
    mesh = broken / "scene0003_00_vh_clean_2.ply"
    mesh.write_bytes(mesh.read_bytes()[:400])
    (root / "scannetv2_train.txt").write_text("scene0001_00\n")
    (root / "scannetv2_val.txt").write_text("scene0002_00\n")
    return root


def facts_config(scan_root: Path, out: Path, cache: Path, **settings):
    from vsi100k.pipeline.config import BuildConfig

    return BuildConfig(scenes_dir=scan_root, out_dir=out, cache_dir=cache, **settings)


def test_facts_stage_reports_bad_scans_and_reruns_from_the_cache(scan_root, tmp_path):
    from vsi100k.pipeline.run import run_stage

    out = tmp_path / "out"
    cfg = facts_config(scan_root, out, tmp_path / "cache")
    result = run_stage(cfg, "facts", progress=False)
    assert [s.status for s in result.summaries] == ["ok", "ok", "failed"]
    assert result.stages_computed()["facts"] == 2
    report = json.loads((out / "facts_report.json").read_text())
    assert report == result.report
    assert report["stage"] == "facts" and report["ok"] == ["scene0001_00", "scene0002_00"]
    assert report["settings"] == FactsConfig().to_json()
    (failure,) = report["failed_scenes"]
    assert failure["scene"] == "scene0003_00"
    assert failure["reason"].startswith("scene0003_00: scene0003_00_vh_clean_2.ply: truncated vertex block")
    assert sorted(p.name for p in (out / "facts").iterdir()) == ["scene0001_00.json", "scene0002_00.json"]
    first = SceneFacts.read(out / "facts" / "scene0001_00.json")
    assert first.split == "train" and SceneFacts.read(out / "facts" / "scene0002_00.json").split == "validation"
    assert first.room_area_m2 == pytest.approx(12.0, abs=1e-5)
    assert len(first.objects) == 6 and first.distance_method == "box_grid"
    written = {p.name: p.read_bytes() for p in (out / "facts").iterdir()}
    # rerun: the good scans come from the cache, the broken one is retried and still reported
    again = run_stage(cfg, "facts", progress=False)
    assert again.stages_computed()["facts"] == 0
    assert [(s.status, s.cached) for s in again.summaries] == [("ok", True), ("ok", True), ("failed", False)]
    assert again.report == report
    assert {p.name: p.read_bytes() for p in (out / "facts").iterdir()} == written
    # other facts settings are other cache entries: computed again, and written
    from dataclasses import replace

    centers = run_stage(replace(cfg, facts=FactsConfig(distance_method="centers")), "facts", progress=False)
    assert centers.stages_computed()["facts"] == 2
    assert SceneFacts.read(out / "facts" / "scene0001_00.json").distance_method == "centers"
    assert json.loads((out / "facts_report.json").read_text())["settings"]["distance_method"] == "centers"


def test_facts_stage_with_two_workers_matches_one(scan_root, tmp_path):
    from vsi100k.pipeline.run import run_stage

    one = run_stage(facts_config(scan_root, tmp_path / "one", tmp_path / "cache1"), "facts", progress=False)
    two = run_stage(facts_config(scan_root, tmp_path / "two", tmp_path / "cache2", workers=2), "facts", progress=False)
    assert two.stages_computed()["facts"] == 2
    assert [(s.scene_id, s.status) for s in two.summaries] == [(s.scene_id, s.status) for s in one.summaries]
    assert two.report == one.report
    for name in ("scene0001_00.json", "scene0002_00.json"):
        assert (tmp_path / "one" / "facts" / name).read_bytes() == (tmp_path / "two" / "facts" / name).read_bytes()
    with pytest.raises(ConfigError, match=r"workers=0: use 1 \(in-process\) or more worker processes"):
        facts_config(scan_root, tmp_path / "x", tmp_path / "cache", workers=0)


def test_unexpected_scan_errors_are_reported_and_retried(scan_root, tmp_path, monkeypatch):
    """A bad scan's content (ValueError, SceneError) fails it and the failure is cached; anything
    else (a library's RuntimeError, a bug) fails only that scan, uncached, retried on the next run."""
    import vsi100k.scannet as scannet
    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.plan import plan_jobs
    from vsi100k.pipeline.stages import run_scan

    calls = []
    real_load = scannet.load_scene

    def load(scene_dir, labels=None):
        calls.append(scene_dir.name)
        if scene_dir.name == "scene0001_00":
            raise RuntimeError("QH6154 Qhull precision error")
        if scene_dir.name == "scene0002_00":
            raise ValueError("odd mesh")
        return real_load(scene_dir, labels)

    monkeypatch.setattr(scannet, "load_scene", load)
    cfg = facts_config(scan_root, tmp_path / "out", tmp_path / "cache")
    jobs = {job.scene_id: job for job in plan_jobs(cfg)}
    internal = run_scan(jobs["scene0001_00"], cfg)
    assert internal.status == "failed"
    assert internal.reason == ("scene0001_00: internal error (RuntimeError: QH6154 Qhull precision error); "
                               "not cached, retried on the next build")
    content = run_scan(jobs["scene0002_00"], cfg)
    assert content.reason == "scene0002_00: scene0002_00/: ValueError: odd mesh"
    cache = BuildCache(tmp_path / "cache")
    assert cache.load_scene("scene0001_00", jobs["scene0001_00"].key) is None
    assert cache.load_scene("scene0002_00", jobs["scene0002_00"].key).result["reason"] == content.reason
    calls.clear()
    assert run_scan(jobs["scene0001_00"], cfg).status == "failed" and calls == ["scene0001_00"]
    cached = run_scan(jobs["scene0002_00"], cfg)
    assert (cached.status, cached.cached, cached.reason) == ("failed", True, content.reason)
    assert calls == ["scene0001_00"]  # the cached failure read no input


def test_cli_facts(scan_root, tmp_path):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    out = tmp_path / "facts-run"
    args = ["facts", "--scenes", str(scan_root), "--out", str(out), "--cache-dir", str(tmp_path / "cache"),
            "--no-progress"]
    result = CliRunner().invoke(app, args + ["--distance-method", "closest_points"])
    assert result.exit_code == 3, result.output  # partial: one scan failed
    assert "failed scene0003_00: scene0003_00_vh_clean_2.ply: truncated vertex block" in result.output
    assert (f"facts: 2 scans (0 from the cache), 1 failed -> {out / 'facts'} (report {out / 'facts_report.json'})"
            in result.output)
    facts = SceneFacts.read(out / "facts" / "scene0002_00.json")
    assert facts.distance_method == "closest_points"
    report = json.loads((out / "facts_report.json").read_text())
    assert [item["scene"] for item in report["failed_scenes"]] == ["scene0003_00"]
    assert list((tmp_path / "cache" / "build" / "facts").iterdir())  # --cache-dir holds the build cache
    again = CliRunner().invoke(app, args + ["--distance-method", "closest_points"])
    assert again.exit_code == 3 and "facts: 2 scans (2 from the cache), 1 failed" in again.output
    bad = CliRunner().invoke(app, args + ["--distance-method", "mesh"])
    assert bad.exit_code == 2
    assert "Invalid value for '--distance-method'" in bad.output
    empty = tmp_path / "empty"
    empty.mkdir()
    none = CliRunner().invoke(app, ["facts", "--scenes", str(empty), "--out", str(out), "--cache-dir",
                                    str(tmp_path / "cache"), "--no-progress"])
    assert none.exit_code == 1
    assert "no scan folders (expected <root>/sceneXXXX_YY/ or <root>/scans/sceneXXXX_YY/, or ScanNet++ scenes" in none.output
    broken_only = tmp_path / "broken"
    (broken_only / "scene0003_00").mkdir(parents=True)
    for path in (scan_root / "scene0003_00").iterdir():
        (broken_only / "scene0003_00" / path.name).write_bytes(path.read_bytes())
    fatal = CliRunner().invoke(app, ["facts", "--scenes", str(broken_only), "--out", str(tmp_path / "o2"),
                                     "--cache-dir", str(tmp_path / "cache"), "--no-progress"])
    assert fatal.exit_code == 1 and "facts: 0 scans (0 from the cache), 1 failed" in fatal.output


# ---------------------------------------------------------------- synthetic scenes with analytic truth
@pytest.fixture(scope="module")
def synthetic_facts(synthetic_root):
    """(truth, facts with axis-aligned boxes, facts with exact closest points) per synthetic scene."""
    from vsi100k.scannet import find_scenes, load_scene
    from vsi100k.synth.truth import read_truth

    out = []
    for scene_dir in find_scenes(synthetic_root):
        scene = load_scene(scene_dir)
        out.append((
            read_truth(scene_dir),
            # the oriented box is not checked here: the fast engine keeps the fixture quick
            extract_facts(scene, FactsConfig(box_method="axis_aligned", oriented_engine="numpy")),
            extract_facts(scene, FactsConfig(distance_method="closest_points", oriented_engine="numpy")),
        ))
    assert len(out) == 20
    return out


def test_synthetic_counts_are_exact(synthetic_facts):
    for truth, facts, _ in synthetic_facts:
        counts = {c: len(ids) for c, ids in facts.instances_by_category().items()}
        assert counts == dict(truth.counts), truth.scene_id
        assert [(o.instance_id, o.raw_label, o.category) for o in facts.objects] == [
            (t.instance_id, t.raw_label, t.category) for t in truth.objects
        ], truth.scene_id


def test_synthetic_box_sizes_within_1cm(synthetic_facts):
    for truth, facts, _ in synthetic_facts:
        for t in truth.objects:
            obj = facts.object(t.instance_id)
            aabb = obj.boxes["axis_aligned"]
            np.testing.assert_allclose(aabb.extent, np.asarray(t.aabb_max) - np.asarray(t.aabb_min), atol=0.01)
            gravity = obj.boxes["gravity_aligned"]
            np.testing.assert_allclose(sorted(gravity.extent[:2]), sorted(np.asarray(t.size_xyz_m)[:2]), atol=0.01)
            assert gravity.extent[2] == pytest.approx(t.size_xyz_m[2], abs=0.01)


def test_synthetic_closest_point_distances_within_1cm(synthetic_facts):
    checked = 0
    for truth, _, facts in synthetic_facts:
        for (a, b), distance in facts.distances_m.items():
            assert distance == pytest.approx(truth.min_distance_m(a, b), abs=0.01), (truth.scene_id, a, b)
            checked += 1
    assert checked > 100


def test_synthetic_room_area_within_3_percent(synthetic_facts):
    for truth, facts, _ in synthetic_facts:
        assert facts.room_area_m2 == pytest.approx(truth.floor_area_m2, rel=0.03), truth.scene_id


def test_synthetic_duplicated_seg_groups_are_removed(tmp_path):
    """ScanNet's scene0217_00 fault (every object repeated from some point on) must not change counts."""
    from vsi100k.scannet import load_scene
    from vsi100k.synth import generate_scenes, read_truth

    for scene_dir in generate_scenes(tmp_path, 2, seed=5, render=False, duplicate_fault_rate=1.0):
        truth = read_truth(scene_dir)
        assert truth.duplicated_seg_groups > 0
        facts = extract_facts(load_scene(scene_dir), FactsConfig(oriented_engine="numpy"))
        assert {c: len(ids) for c, ids in facts.instances_by_category().items()} == dict(truth.counts)
        assert facts.notes[0].startswith(
            f"removed {truth.duplicated_seg_groups} duplicated segGroups (same segments as an earlier group)"
        )
