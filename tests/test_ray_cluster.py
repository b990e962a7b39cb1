"""The Ray executor on a two-node cluster started in the test, with the cache root set only in the
driver's environment: every setting a worker needs travels in the build config, resolved in the driver."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.run import run_build


def shard_hashes(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((out / "data").rglob("*.parquet"))}


def test_the_cache_root_is_resolved_in_the_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("VSI100K_CACHE", str(tmp_path / "from-env"))
    cfg = BuildConfig(scenes_dir=tmp_path / "scans", out_dir=tmp_path / "out")
    monkeypatch.setenv("VSI100K_CACHE", str(tmp_path / "elsewhere"))  # as a worker's environment would differ
    assert cfg.cache_dir == tmp_path / "from-env" / "build" and cfg.cache_root == cfg.cache_dir
    monkeypatch.chdir(tmp_path)
    relative = BuildConfig(scenes_dir=tmp_path / "scans", out_dir=tmp_path / "out", cache_dir=Path("c"))
    assert relative.cache_dir == tmp_path / "c"  # absolute: a worker's working directory differs too


@pytest.mark.slow
def test_a_two_node_ray_cluster_uses_the_drivers_cache_variable(tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    from vsi100k.synth import generate_scenes

    scans = tmp_path / "scans"
    generate_scenes(scans, 3, seed=5, n_frames=8)
    workers_default = tmp_path / "workers-default-cache"
    # The nodes (and so their workers) start with an environment that lacks VSI100K_CACHE ...
    monkeypatch.delenv("VSI100K_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(workers_default))
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        # ... and only the driver sets it, as `VSI100K_CACHE=... vsi100k build --executor ray` does.
        monkeypatch.setenv("VSI100K_CACHE", str(tmp_path / "driver-cache"))
        ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
        nodes = [node for node in ray.nodes() if node["Alive"]]
        cfg = BuildConfig(scenes_dir=scans, out_dir=tmp_path / "ray", executor="ray", ray_address=cluster.address,
                          workers=2, frames=FramesConfig(n_frames=4))
        result = run_build(cfg, progress=False)  # the executor uses the connection made above
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()
    assert len(nodes) == 2
    assert result.report["scenes"]["ok"] == 3 and result.stages_computed()["facts"] == 3
    assert len(list((tmp_path / "driver-cache" / "build" / "scenes").glob("*/*/result.json"))) == 3
    assert not list(workers_default.rglob("*.json"))  # no worker wrote to its own default cache
    local = run_build(BuildConfig(scenes_dir=scans, out_dir=tmp_path / "local", cache_dir=tmp_path / "local-cache",
                                  frames=FramesConfig(n_frames=4)), progress=False)
    assert shard_hashes(result.out_dir) == shard_hashes(local.out_dir) and shard_hashes(local.out_dir)
