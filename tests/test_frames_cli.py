"""`vsi100k frames`: many scans, a broken one listed and skipped, mp4 export in VSI-Bench's layout."""

from typer.testing import CliRunner

from test_frames_cache import write_scan
from vsi100k.cli.app import app
from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.cache import BuildCache
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.plan import plan_jobs


def test_frames_command_survives_a_broken_scan_and_exports(tmp_path):
    import av

    write_scan(tmp_path / "scans", "scene0500_00", n_frames=20)
    bad = write_scan(tmp_path / "scans", "scene0501_00", n_frames=20)
    bad.sens_path.write_bytes(bad.sens_path.read_bytes()[:5000])
    args = ["frames", "--scenes", str(tmp_path), "--cache-dir", str(tmp_path / "cache"), "--frames", "6",
            "--export-mp4", str(tmp_path / "videos"), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output  # partial: one scan failed
    assert "failed scene0501_00: scene0501_00.sens: truncated stream" in result.output
    assert f"frames: 1 scans (0 from the cache), 1 failed -> {tmp_path / 'cache' / 'build'}" in result.output
    assert f"1 mp4s in {tmp_path / 'videos'}" in result.output
    with av.open(str(tmp_path / "videos" / "scannet" / "scene0500_00.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 6
    assert not (tmp_path / "videos" / "scannet" / "scene0501_00.mp4").exists()
    # the frames land in the build cache under <cache-dir>/build, where a build with the same settings finds them
    cfg = BuildConfig(tmp_path, tmp_path / "out", cache_dir=tmp_path / "cache" / "build",
                      frames=FramesConfig(n_frames=6), require_frames=True)
    cache = BuildCache(cfg.cache_root)
    for job in plan_jobs(cfg):
        frames = cache.frames.load_frames(job.scene_id, job.frames_key)
        assert (frames is not None and len(frames.jpegs) == 6) == (job.scene_id == "scene0500_00")
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 3
    assert "frames: 1 scans (1 from the cache), 1 failed" in again.output
    other = CliRunner().invoke(app, args[:-5] + ["--frames", "4", "--no-progress"])
    assert "frames: 1 scans (0 from the cache), 1 failed" in other.output  # new settings, new frames


def test_frames_command_fails_when_no_scan_succeeds(tmp_path):
    bad = write_scan(tmp_path / "scans", "scene0502_00", n_frames=5)
    bad.sens_path.unlink()
    result = CliRunner().invoke(app, ["frames", "--scenes", str(tmp_path), "--cache-dir", str(tmp_path / "cache"),
                                      "--no-progress"])
    assert result.exit_code == 1
    assert "scene0502_00: scene0502_00: no colour stream: no .sens, video or lowres_wide frames (required by --require-frames)" in result.output
    assert "frames: 0 scans (0 from the cache), 1 failed" in result.output


def test_frames_command_usage_errors(tmp_path):
    (tmp_path / "scans").mkdir()
    bad = CliRunner().invoke(app, ["frames", "--scenes", str(tmp_path / "scans"), "--frames", "0"])
    assert bad.exit_code == 2
    assert "Invalid value for '--frames'" in bad.output
    empty = CliRunner().invoke(app, ["frames", "--scenes", str(tmp_path / "scans"), "--cache-dir",
                                     str(tmp_path / "cache"), "--no-progress"])
    assert empty.exit_code == 1
    assert "no scan folders (expected <root>/sceneXXXX_YY/ or <root>/scans/sceneXXXX_YY/, or ScanNet++ scenes" in empty.output
