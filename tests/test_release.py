"""Licence-safe releases on synthetic scans of all three sources: a full build against a release
without images (`push --without-frames --dry-run`) rehydrated from the same scans (byte-identical
folders, identical `load_dataset` rows), changed and missing scans named while the rest rehydrates,
the manifest's checks, and the refusal of a public push of ScanNet frames with its override."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vsi100k import hub
from vsi100k.dataset.manifest import MANIFEST_FILE, ManifestError, manifest_problems, read_manifest
from vsi100k.errors import ConfigError, SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.config import BuildConfig
from vsi100k.release.rehydrate import (
    DIFFERS, MISSING, NothingRehydrated, RehydrateConfig, frames_mismatch, rehydrate,
)

SCANNET, SCANNETPP_SEED, ARKIT_SEED = "scene0000_00", 11, 21
REPO = "me/vsi100k-release"


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a folder (hidden ones included), relative posix path -> bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Path:
    """One small scan per source: ScanNet (.sens), ScanNet++ (iPhone mp4), ARKitScenes (lowres_wide PNGs)."""
    from vsi100k.synth import SynthConfig, generate_scenes
    from vsi100k.synth.arkitscenes_writer import generate_arkitscenes_scenes
    from vsi100k.synth.scannetpp_writer import generate_scannetpp_scenes

    root = tmp_path_factory.mktemp("scans")
    small = SynthConfig(n_frames=8, color_size=(64, 48), depth_size=(32, 24))
    generate_scenes(root, 1, seed=5, n_frames=8)
    generate_scannetpp_scenes(root, 1, seed=SCANNETPP_SEED, config=small)
    generate_arkitscenes_scenes(root, 1, seed=ARKIT_SEED, config=small)
    return root


@pytest.fixture(scope="module")
def built(scans, tmp_path_factory) -> Path:
    from vsi100k.pipeline.run import run_build

    tmp = tmp_path_factory.mktemp("full")
    cfg = BuildConfig(scenes_dir=scans, out_dir=tmp / "full", cache_dir=tmp / "cache", frames=FramesConfig(n_frames=4),
                      split="train", allow_val_in_train=True)
    return run_build(cfg, progress=False).out_dir


@pytest.fixture(scope="module")
def release(built, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "tree"
    hub.dry_run(built, dest, REPO, private=False, without_frames=True)
    return dest


def _scene_of(manifest: dict, dataset: str) -> dict:
    return next(entry for entry in manifest["scans"] if entry["dataset"] == dataset)


def test_manifest_lists_every_scan_with_its_stream_and_checksums(built):
    manifest = read_manifest(built)
    kinds = {entry["dataset"]: (entry["stream"]["kind"], entry["source"]) for entry in manifest["scans"]}
    assert kinds == {"scannet": ("sens", "sens"), "scannetpp": ("video", "mp4"), "arkitscenes": ("images", "images")}
    assert manifest["sampling"]["n_frames"] == 4 and manifest["build_id"] == json.loads(
        (built / "build_report.json").read_text())["build_id"]
    scannet = _scene_of(manifest, "scannet")
    assert scannet["scene_name"] == SCANNET and scannet["stream"]["path"] == f"{SCANNET}.sens"
    assert scannet["rotation_deg"] == 0 and len(scannet["frames"]) == len(scannet["frame_indices"]) == 4
    from vsi100k.dataset.manifest import iter_frame_rows

    rows = {row["scene_name"]: row for _, row in iter_frame_rows(built)}
    for entry in manifest["scans"]:
        row = rows[entry["scene_name"]]
        assert entry["frame_indices"] == row["frame_indices"] and entry["timestamps_s"] == row["timestamps_s"]
        assert [f["sha256"] for f in entry["frames"]] == [hashlib.sha256(i["bytes"]).hexdigest() for i in row["frames"]]
    assert all(not Path(p).is_absolute() for e in manifest["scans"] for p in e["stream"]["files"])


def test_release_without_frames_holds_questions_manifest_and_a_card_saying_so(built, release):
    files = set(_files(release))
    assert MANIFEST_FILE in files and not any(f.startswith("data/frames/") for f in files)
    assert {f for f in _files(built) if f.startswith("data/questions/")} <= files
    body = (release / "README.md").read_text().split("\n---\n", 1)[1]
    first_lines = body.strip().splitlines()[:6]
    assert first_lines[0] == "# vsi100k" and "Frames are not included in this release" in first_lines[2]
    assert f"vsi100k rehydrate {REPO} --scenes /path/to/your/scans --out ./vsi100k-data" in first_lines
    from vsi100k.dataset.validate import read_front_matter

    assert "frames" not in [c["config_name"] for c in read_front_matter(release / "README.md")["configs"]]


def test_rehydrated_release_is_byte_identical_to_the_full_build(scans, built, release, tmp_path):
    import datasets

    result = rehydrate(RehydrateConfig(release, scans, tmp_path / "rehydrated", cache_dir=tmp_path / "cache"))
    assert not result.partial and sorted(result.rebuilt) == sorted(e["scene_name"] for e in read_manifest(built)["scans"])
    full, again = _files(built), _files(result.out_dir)
    assert sorted(full) == sorted(again)
    assert [name for name in full if full[name] != again[name]] == []
    assert any(name.startswith("data/frames/") for name in full) and ".vsi100k.json" in full
    for config in ("frames", "all"):
        rows = [datasets.load_dataset(str(folder), config, split="train", cache_dir=str(tmp_path / f"hf-{k}")).to_list()
                for k, folder in enumerate((built, result.out_dir))]
        assert rows[0] == rows[1] and len(rows[0]) > 0


def test_changed_and_missing_scans_are_named_and_the_rest_rehydrates(scans, built, release, tmp_path):
    from PIL import Image

    from vsi100k.dataset.load import load_scene_frames

    manifest = read_manifest(release)
    ark, pp = _scene_of(manifest, "arkitscenes"), _scene_of(manifest, "scannetpp")
    mine = tmp_path / "my-scans"
    shutil.copytree(scans, mine)
    shutil.rmtree(next(mine.rglob(SCANNET)))  # a missing scan
    ark_dir = next(p for p in mine.rglob(ark["scene_name"]) if p.is_dir())
    png = ark_dir / ark["stream"]["files"][1]  # a sampled frame of the changed scan
    image = Image.open(png).convert("RGB")
    image.putpixel((0, 0), (255 - image.getpixel((0, 0))[0], 0, 0))
    image.save(png)

    result = rehydrate(RehydrateConfig(release, mine, tmp_path / "partial", cache_dir=tmp_path / "cache"))
    assert result.partial and result.rebuilt == [pp["scene_name"]]
    assert result.problems[SCANNET][0] == MISSING and SCANNET in result.problems[SCANNET][1]
    kind, reason = result.problems[ark["scene_name"]]
    assert kind == DIFFERS and ark["stream"]["path"] in reason and "stream differs" in reason
    report = json.loads((result.out_dir / "build_report.json").read_text())
    assert report["scenes_not_rehydrated"] == sorted([SCANNET, ark["scene_name"]])
    assert report["frames"]["by_split"] == {"train": 1} and report["rehydration"]["complete"] is False
    assert str(tmp_path) not in json.dumps(report["rehydration"])  # reasons relative to the scans folder
    frames_shard = result.out_dir / "data/frames/train-00000-of-00001.parquet"
    assert report["sizes"]["frame_shard_bytes"] == frames_shard.stat().st_size
    assert "Partial rehydration" in (result.out_dir / "README.md").read_text()
    frames = load_scene_frames(result.out_dir, "train")
    assert len(frames[pp["scene_name"]]) == 4
    assert (result.out_dir / "data/questions").is_dir() and (result.out_dir / ".vsi100k.json").is_file()


def test_cli_rehydrate_exits_3_naming_the_missing_scan(scans, release, tmp_path):
    from vsi100k.cli.app import app

    mine = tmp_path / "my-scans"
    shutil.copytree(scans, mine)
    shutil.rmtree(next(mine.rglob(SCANNET)))
    result = CliRunner().invoke(app, ["rehydrate", str(release), "--scenes", str(mine), "--out", str(tmp_path / "o"),
                                      "--cache-dir", str(tmp_path / "cache"), "--no-progress"])
    assert result.exit_code == 3, result.output
    assert "rehydrated 2 of 3 scans" in result.output and f"missing: {SCANNET}: no scannet scan" in result.output


def test_nothing_rehydrated_names_every_scan_and_leaves_the_output_as_it_was(scans, release, tmp_path):
    from PIL import Image

    manifest = read_manifest(release)
    ark = _scene_of(manifest, "arkitscenes")
    mine = tmp_path / "my-scans"
    shutil.copytree(scans, mine)
    for entry in manifest["scans"]:
        if entry is not ark:  # missing scans
            shutil.rmtree(min((p for p in mine.rglob(entry["scene_name"]) if p.is_dir()), key=lambda p: len(p.parts)))
    png = next(p for p in mine.rglob(ark["scene_name"]) if p.is_dir()) / ark["stream"]["files"][1]
    image = Image.open(png).convert("RGB")
    image.putpixel((0, 0), (255 - image.getpixel((0, 0))[0], 0, 0))
    image.save(png)  # the one scan left has another stream
    out = tmp_path / "out"
    assert not rehydrate(RehydrateConfig(release, scans, out, cache_dir=tmp_path / "cache")).partial
    before = _files(out)

    with pytest.raises(NothingRehydrated) as caught:
        rehydrate(RehydrateConfig(release, mine, out, cache_dir=tmp_path / "cache", overwrite=True))
    others = sorted(e["scene_name"] for e in manifest["scans"] if e is not ark)
    message = str(caught.value)
    assert message.startswith(f"no scan of the release could be rehydrated, so {out} was left as it was: "
                              f"missing (2): {others[0]}, {others[1]} ({others[0]}: no ")
    assert f"; stream differs (1): {ark['scene_name']} ({ark['scene_name']}: " in message
    assert "--scenes" not in message  # not every scan is missing: the folder is the right one
    assert sorted(caught.value.problems) == sorted(e["scene_name"] for e in manifest["scans"])
    assert _files(out) == before  # the previous dataset kept, byte for byte
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "my-scans", "out"]  # no staging folder, no lock

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NothingRehydrated, match=r"missing \(3\): .*; --scenes must be the folder holding your copies"):
        rehydrate(RehydrateConfig(release, empty, tmp_path / "new", cache_dir=tmp_path / "cache"))
    assert not (tmp_path / "new").exists()


def test_cli_rehydrate_exits_1_when_no_scan_is_rehydrated(release, tmp_path):
    from vsi100k.cli.app import app

    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["rehydrate", str(release), "--scenes", str(empty), "--out", str(tmp_path / "o"),
                                      "--cache-dir", str(tmp_path / "cache"), "--no-progress"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith("error: no scan of the release could be rehydrated"), result.output
    assert SCANNET in errors[0] and not (tmp_path / "o").exists()


def test_rehydrate_from_a_hub_id_goes_through_snapshot_download(scans, release, tmp_path, monkeypatch):
    import huggingface_hub

    asked = {}

    def fake_snapshot_download(repo_id, **kwargs):
        asked.update(kwargs, repo_id=repo_id)
        return str(release)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    from vsi100k.release.rehydrate import release_folder

    assert release_folder(REPO, revision="v1") == release
    assert asked["repo_id"] == REPO and asked["repo_type"] == "dataset" and asked["revision"] == "v1"
    assert not any("frames/" in pattern for pattern in asked["allow_patterns"]) and MANIFEST_FILE in asked["allow_patterns"]
    with pytest.raises(FileNotFoundError, match="not a Hub repo id"):
        release_folder(str(tmp_path / "nowhere"))


def test_frames_that_differ_are_named_by_kind(built):
    from PIL import Image

    from vsi100k.dataset.manifest import iter_frame_rows
    from vsi100k.frames.sampled import SampledFrames

    manifest = read_manifest(built)
    entry = _scene_of(manifest, "scannetpp")
    row = next(r for _, r in iter_frame_rows(built) if r["scene_name"] == entry["scene_name"])
    jpegs = [image["bytes"] for image in row["frames"]]

    def sampled(images, indices=None, times=None):
        return SampledFrames(entry["scene_name"], "video", "rgb.mp4", 8, indices or entry["frame_indices"],
                             times or entry["timestamps_s"], "timestamps", tuple(images), entry["width"], entry["height"])

    assert frames_mismatch(entry, sampled(jpegs)) is None
    # streams give times as differences of clock readings (6845.432 - 6840.123 = 5.3090000000001965 s);
    # the rows and the manifest store them at 1e-6 s, so such a frame is the same frame
    unrounded = [t + 2e-13 for t in entry["timestamps_s"]]
    assert frames_mismatch(entry, sampled(jpegs, times=unrounded)) is None
    shifted = [t + 1e-3 for t in entry["timestamps_s"]]
    assert "s, the release's at" in frames_mismatch(entry, sampled(jpegs, times=shifted))
    assert "sampled frames [0, 1, 2, 3]" in frames_mismatch(entry, sampled(jpegs, [0, 1, 2, 3]))
    with_comment = jpegs[1][:2] + b"\xff\xfe\x00\x03x" + jpegs[1][2:]  # the same pixels, other bytes: a comment segment
    assert f"frame {entry['frame_indices'][1]}: same pixels but other JPEG bytes" in frames_mismatch(
        entry, sampled([jpegs[0], with_comment, *jpegs[2:]]))
    other = io.BytesIO()
    Image.new("RGB", (entry["width"], entry["height"]), (9, 9, 9)).save(other, "JPEG")
    assert "pixels differ" in frames_mismatch(entry, sampled([other.getvalue(), *jpegs[1:]]))


def test_public_push_of_scannet_frames_is_refused_and_the_flag_overrides_it(built, tmp_path):
    from vsi100k.cli.app import app

    with pytest.raises(hub.HubError, match=r"refusing a public push: the build holds frames of ScanNet, ScanNet\+\+"):
        hub.plan_push(built, REPO, private=False)
    assert any(rel.startswith("data/frames/") for rel, _ in hub.plan_push(built, REPO, private=False,
                                                                           redistribution_rights=True).files)
    assert hub.plan_push(built, REPO, private=True).files  # a private push is the user's own business
    runner = CliRunner()
    refused = runner.invoke(app, ["push", str(built), "--repo-id", REPO, "--public", "--dry-run",
                                  "--dry-run-dir", str(tmp_path / "a")])
    assert refused.exit_code == 1 and "--have-redistribution-rights" in refused.output
    assert not (tmp_path / "a").exists()
    allowed = runner.invoke(app, ["push", str(built), "--repo-id", REPO, "--public", "--dry-run",
                                  "--dry-run-dir", str(tmp_path / "b"), "--have-redistribution-rights"])
    assert allowed.exit_code == 0, allowed.output
    assert list((tmp_path / "b" / "data" / "frames").glob("*.parquet"))
    frameless = runner.invoke(app, ["push", str(built), "--repo-id", REPO, "--public", "--dry-run",
                                    "--dry-run-dir", str(tmp_path / "c"), "--without-frames"])
    assert frameless.exit_code == 0 and "frames left out" in frameless.output


def test_arkitscenes_frames_may_be_published():
    from vsi100k.release.terms import restricted_sources

    assert restricted_sources(["arkitscenes"]) == []
    assert restricted_sources(["arkitscenes", "scannetpp", "scannet", "newsource"]) == ["newsource", "scannet", "scannetpp"]


def test_push_without_frames_uploads_the_frameless_card_and_deletes_remote_frames(built, release):
    from test_hub import RecordingHub

    client = RecordingHub(remote_files=["data/frames/train-00000-of-00001.parquet"])
    result = hub.push(built, REPO, private=False, client=client, without_frames=True)
    commit = next(call for call in client.calls if call[0] == "create_commit")[2]
    adds = {path: data for op, path, data in commit["operations"] if op == "add"}
    assert adds["README.md"] == (release / "README.md").read_bytes() and MANIFEST_FILE in adds
    assert result.deleted == ("data/frames/train-00000-of-00001.parquet",)


def test_manifest_errors_are_named(built, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    path = copy / MANIFEST_FILE
    data = json.loads(path.read_text())
    data["scans"][0]["frames"][0]["sha256"] = "0" * 64
    path.write_text(json.dumps(data))
    assert manifest_problems(copy) == [f"{MANIFEST_FILE}: scene {data['scans'][0]['scene_name']}: frame checksums "
                                       "differ from the stored frames"]
    data["format_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="format version 99 is not 1"):
        read_manifest(copy)
    path.unlink()
    with pytest.raises(ManifestError, match="no frames manifest"):
        hub.plan_push(copy, REPO, without_frames=True)
    with pytest.raises(ManifestError, match="frames_manifest.json: no frames manifest"):
        rehydrate(RehydrateConfig(copy, copy, tmp_path / "o"))


def test_rehydrate_settings_are_checked(built, tmp_path):
    with pytest.raises(ConfigError, match="release folder not found"):
        RehydrateConfig(tmp_path / "none", built, tmp_path / "o")
    with pytest.raises(ConfigError, match="scenes folder not found"):
        RehydrateConfig(built, tmp_path / "none", tmp_path / "o")
    with pytest.raises(ConfigError, match="write the dataset to a new folder"):
        RehydrateConfig(built, tmp_path, built)


def test_mixed_up_release_is_refused(built, release, tmp_path):
    copy = tmp_path / "mixed"
    shutil.copytree(release, copy)
    report = json.loads((copy / "build_report.json").read_text())
    report["build_id"] = "0123456789abcdef"
    (copy / "build_report.json").write_text(json.dumps(report))
    with pytest.raises(ValueError, match="the release is mixed up"):
        rehydrate(RehydrateConfig(copy, tmp_path, tmp_path / "o"))


def test_fingerprint_names_a_frame_outside_the_stream(scans):
    from vsi100k.frames.fingerprint import stream_fingerprint

    folder = next(p for p in scans.rglob(SCANNET) if p.is_dir())
    with pytest.raises(SceneError, match=r"scene0000_00.*sampled frame 99 is outside the stream's 8 frames"):
        stream_fingerprint(folder, [0, 99])
    assert stream_fingerprint(folder, [0, 3]) != stream_fingerprint(folder, [0, 4])



def test_an_unchanged_rebuild_reads_no_stream_and_decodes_no_frame(scans, built, tmp_path, monkeypatch):
    from vsi100k.dataset.manifest import iter_frame_rows
    from vsi100k.pipeline.frames_manifest import scan_record
    from vsi100k.pipeline.stages import ScanJob

    row = next(r for _, r in iter_frame_rows(built) if r["scene_name"] == SCANNET)
    folder = next(p for p in scans.rglob(SCANNET) if p.is_dir())
    job = ScanJob(SCANNET, folder, "train", False, "facts", "frames-key", None, "key")
    stream, frames = scan_record(tmp_path, job, row)
    assert stream == _scene_of(read_manifest(built), "scannet")["stream"]

    def refuse(*args, **kwargs):
        raise AssertionError("recomputed")

    monkeypatch.setattr("vsi100k.frames.fingerprint.stream_fingerprint", refuse)
    monkeypatch.setattr("vsi100k.dataset.manifest.frame_checksums", refuse)
    assert scan_record(tmp_path, job, row) == (stream, frames)
    changed = dict(row, frames=[row["frames"][1], *row["frames"][1:]])  # other stored bytes: the record misses
    with pytest.raises(AssertionError, match="recomputed"):
        scan_record(tmp_path, job, changed)
    monkeypatch.undo()
    gone = ScanJob(SCANNET, tmp_path / "moved", "train", False, "facts", "other-key", None, "key")
    stream, _ = scan_record(tmp_path, gone, row)
    assert stream["sha256"] is None and "no colour stream to sample frames from" in stream["unavailable"]


def test_a_worker_decodes_each_stored_frame_once_for_the_manifest_record_and_the_size_check(scans, tmp_path,
                                                                                           monkeypatch):
    from PIL import ImageFile

    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.frames_manifest import RECORD_DIR
    from vsi100k.pipeline.plan import plan_jobs
    from vsi100k.pipeline.stages import compute_scan, run_scan

    cfg = BuildConfig(scenes_dir=scans, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                      frames=FramesConfig(n_frames=4), split="train", allow_val_in_train=True)
    job = next(j for j in plan_jobs(cfg) if j.scene_id == SCANNET)
    run_scan(job, cfg)  # every stage cached, the manifest record too
    record = next((cfg.cache_root / RECORD_DIR / SCANNET).glob("*.json"))
    made = json.loads(record.read_text())
    shutil.rmtree(cfg.cache_root / RECORD_DIR)  # as on a first build: the record and the check both need pixels
    decodes = []
    load = ImageFile.ImageFile.load

    def counted(self):
        if self.tile:  # not decoded yet
            decodes.append(self.format)
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counted)
    result, _ = compute_scan(job, cfg, BuildCache(cfg.cache_root))
    assert decodes == ["JPEG"] * 4
    assert json.loads(record.read_text()) == made
    assert result["frames"]["jpeg_sha256"] == [f["sha256"] for f in made["frames"]]


def test_checksums_decide_when_the_stream_has_no_fingerprint_and_a_wrong_frame_is_named(scans, release, tmp_path):
    from vsi100k.release.rehydrate import FAILED

    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    pp, scannet = _scene_of(manifest, "scannetpp"), _scene_of(manifest, "scannet")
    pp["stream"] = {"kind": None, "path": None, "files": [], "sha256": None, "unavailable": "not readable at build time"}
    scannet["frames"][2] = {"sha256": "1" * 64, "pixels_sha256": "2" * 64}
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    result = rehydrate(RehydrateConfig(copy, scans, tmp_path / "out", cache_dir=tmp_path / "cache"))
    assert sorted(result.rebuilt) == sorted([pp["scene_name"], _scene_of(manifest, "arkitscenes")["scene_name"]])
    assert result.problems == {SCANNET: (FAILED, f"{SCANNET}: frame {scannet['frame_indices'][2]}: pixels differ from "
                                                 "the release's (another decoder version, or another stream)")}
