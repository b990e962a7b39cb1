"""Facts for many scenes: one `<out>/<scene_id>.facts.json` per scene, a report of what failed.

One bad scene never stops the batch: its error (naming scene, file and problem) goes in the
report. Facts files are written atomically, so an interrupted run leaves no half-written file, and
a rerun skips scenes whose facts are already up to date (resumable). Scenes are read through the
`load` function handed in (e.g. `vsi100k.scannet.load_scene`), so this middle layer never imports
the ScanNet reader.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from vsi100k.errors import ConfigError, SceneError
from vsi100k.facts.extract import FactsConfig, extract_facts
from vsi100k.facts.schema import SCHEMA_VERSION
from vsi100k.scene import Scene

FACTS_SUFFIX = ".facts.json"

Status = Literal["ok", "up_to_date", "failed"]


def facts_path(out_dir: Path, scene_id: str) -> Path:
    """Where the facts of `scene_id` live: `<out_dir>/<scene_id>.facts.json`."""
    return Path(out_dir) / f"{scene_id}{FACTS_SUFFIX}"


@dataclass(frozen=True)
class SceneOutcome:
    """What happened to one scene folder. reason: the error message when status is "failed"."""

    scene_id: str
    scene_dir: Path
    status: Status
    facts_path: Path | None = None
    reason: str | None = None
    seconds: float = 0.0
    object_count: int = 0

    def to_json(self) -> dict:
        return {
            "scene_id": self.scene_id,
            "scene_dir": str(self.scene_dir),
            "status": self.status,
            "facts_path": str(self.facts_path) if self.facts_path else None,
            "reason": self.reason,
            "seconds": round(self.seconds, 4),
            "object_count": self.object_count,
        }


@dataclass
class FactsReport:
    """Outcomes of a batch, in scene order."""

    config: FactsConfig
    outcomes: list[SceneOutcome] = field(default_factory=list)

    @property
    def ok(self) -> list[SceneOutcome]:
        return [o for o in self.outcomes if o.status == "ok"]

    @property
    def up_to_date(self) -> list[SceneOutcome]:
        return [o for o in self.outcomes if o.status == "up_to_date"]

    @property
    def failed(self) -> list[SceneOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_json(self) -> dict:
        return {
            "config": self.config.to_json(),
            "schema_version": SCHEMA_VERSION,
            "counts": {"ok": len(self.ok), "up_to_date": len(self.up_to_date), "failed": len(self.failed)},
            "outcomes": [o.to_json() for o in self.outcomes],
        }

    def write(self, path: Path) -> None:
        """Write the report as JSON, atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        tmp.replace(path)


def is_up_to_date(path: Path, cfg: FactsConfig) -> bool:
    """True when `path` holds facts of the current schema computed with the same configuration."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and data.get("schema_version") == SCHEMA_VERSION
        and (data.get("extra") or {}).get("config") == cfg.to_json()
    )


def facts_for_scene(
    scene_dir: Path,
    out_dir: Path,
    cfg: FactsConfig,
    load: Callable[[Path], Scene],
    split: str | None = None,
    overwrite: bool = False,
) -> SceneOutcome:
    """Load one scene, extract its facts, write them; never raises for a bad scene.

    The scene id of the outcome is the folder name until the scene is loaded.
    """
    scene_dir = Path(scene_dir)
    start = time.perf_counter()
    target = facts_path(out_dir, scene_dir.name)
    if not overwrite and target.exists() and is_up_to_date(target, cfg):
        return SceneOutcome(scene_dir.name, scene_dir, "up_to_date", facts_path=target)
    try:
        scene = load(scene_dir)
        facts = extract_facts(scene, cfg)
        if split is not None:
            facts = replace(facts, split=split)
        target = facts_path(out_dir, scene.scene_id)
        facts.write(target)
    except SceneError as exc:
        return SceneOutcome(exc.scene_id, scene_dir, "failed", reason=str(exc), seconds=time.perf_counter() - start)
    except (OSError, ValueError, ArithmeticError, IndexError, KeyError, RuntimeError) as exc:
        # Anything else a malformed scene can trigger (e.g. Qhull or NumPy errors) is reported the
        # same way: scene, folder, problem. Programming errors (TypeError, AttributeError) propagate.
        reason = f"{scene_dir.name}: {scene_dir.name}/: {type(exc).__name__}: {exc}"
        return SceneOutcome(scene_dir.name, scene_dir, "failed", reason=reason, seconds=time.perf_counter() - start)
    return SceneOutcome(scene.scene_id, scene_dir, "ok", facts_path=target,
                        seconds=time.perf_counter() - start, object_count=len(facts.objects))


def run_facts(
    scene_dirs: Sequence[Path],
    out_dir: Path,
    cfg: FactsConfig,
    *,
    load: Callable[[Path], Scene],
    splits: dict[str, str] | None = None,
    overwrite: bool = False,
    workers: int = 1,
    on_scene: Callable[[SceneOutcome], None] | None = None,
) -> FactsReport:
    """Facts for every scene folder; returns the report (outcomes in the order of `scene_dirs`).

    splits: scene id -> split name (e.g. from `read_split_lists`), stored in each facts file.
    overwrite: recompute even when an up-to-date facts file exists.
    workers: processes (1 = in this process); `load` must be a module-level function for > 1.
    on_scene: called with each outcome as it completes (progress bars).
    """
    if workers < 1:
        raise ConfigError(f"workers must be >= 1, got {workers}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    splits = splits or {}
    dirs = [Path(d) for d in scene_dirs]
    outcomes: dict[int, SceneOutcome] = {}
    if workers == 1 or len(dirs) < 2:
        for k, scene_dir in enumerate(dirs):
            outcomes[k] = facts_for_scene(scene_dir, out_dir, cfg, load, splits.get(scene_dir.name), overwrite)
            if on_scene:
                on_scene(outcomes[k])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(facts_for_scene, d, out_dir, cfg, load, splits.get(d.name), overwrite): k
                for k, d in enumerate(dirs)
            }
            for future in as_completed(futures):
                k = futures[future]
                outcomes[k] = future.result()
                if on_scene:
                    on_scene(outcomes[k])
    return FactsReport(config=cfg, outcomes=[outcomes[k] for k in range(len(dirs))])
