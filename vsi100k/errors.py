"""Project error classes. The library raises these; only `cli/` turns them into exit codes."""

from __future__ import annotations

from pathlib import Path


class Vsi100kError(Exception):
    """Base class of every error this project raises on purpose."""


class SceneError(Vsi100kError, ValueError):
    """A scene's input is missing or malformed.

    The message always names the scene, the file and the problem, e.g.
    ``scene0000_00: scene0000_00_vh_clean_2.ply: truncated vertex block (expected 1600000 bytes, got 12)``.
    """

    def __init__(self, scene_id: str, path: Path | str | None, problem: str):
        self.scene_id = scene_id
        self.path = Path(path) if path is not None else None
        self.problem = problem
        where = self.path.name if self.path is not None else "-"
        super().__init__(f"{scene_id}: {where}: {problem}")


class ConfigError(Vsi100kError, ValueError):
    """A configuration value is invalid; the message says what to change."""
