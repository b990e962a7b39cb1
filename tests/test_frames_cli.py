"""`vsi100k frames`: many scans, a broken one listed and skipped, mp4 export in VSI-Bench's layout."""

from typer.testing import CliRunner

from test_frames_cache import write_scan
from vsi100k.cli.app import app


def test_frames_command_survives_a_broken_scan_and_exports(tmp_path):
    import av

    write_scan(tmp_path / "scans", "scene0500_00", n_frames=20)
    bad = write_scan(tmp_path / "scans", "scene0501_00", n_frames=20)
    bad.sens_path.write_bytes(bad.sens_path.read_bytes()[:5000])
    args = ["frames", "--scenes", str(tmp_path), "--cache", str(tmp_path / "cache"), "--n-frames", "6",
            "--export-mp4", str(tmp_path / "videos")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "scene0501_00: scene0501_00.sens: truncated stream" in result.output
    assert "frames: 1 scans (0 from the cache), 1 failed" in result.output
    with av.open(str(tmp_path / "videos" / "scannet" / "scene0500_00.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 6
    again = CliRunner().invoke(app, args)
    assert "frames: 1 scans (1 from the cache), 1 failed" in again.output


def test_frames_command_fails_when_no_scan_succeeds(tmp_path):
    bad = write_scan(tmp_path / "scans", "scene0502_00", n_frames=5)
    bad.sens_path.unlink()
    result = CliRunner().invoke(app, ["frames", "--scenes", str(tmp_path), "--cache", str(tmp_path / "cache")])
    assert result.exit_code == 1
    assert "scene0502_00: scene0502_00: no .sens or .mp4 colour stream" in result.output
