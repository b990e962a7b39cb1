"""The frames stage reads streams only through the `ColourStream` record: no module under
`vsi100k/frames/` imports a source package, and the record refuses what it cannot read."""

from __future__ import annotations

import ast
from pathlib import Path

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
