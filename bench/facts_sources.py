"""Facts extraction time per scan for each source, against the time to read the scan's mesh.

Writes a few synthetic scans per source with the project's generators (ScanNet in the scan
profile, ScanNet++ and ARKitScenes in their release layouts; no frames), then times per scan:
`read_ply` of the mesh (the floor), the source's loader (`Source.load`), and `extract_facts` with
the default methods and the source's vocabulary. Prints one row per source (medians over scans).

    python bench/facts_sources.py                  # 3 scans per source
    python bench/facts_sources.py --scans 5 --seed 1
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from vsi100k.facts.extract import FactsConfig, extract_facts
from vsi100k.scannet.ply import read_ply
from vsi100k.sources import get_source


def write_scans(root: Path, n: int, seed: int) -> dict[str, list[Path]]:
    """`n` synthetic scans per source under `root/<source>/`; returns source name -> scan folders."""
    from vsi100k.synth.arkitscenes_writer import generate_arkitscenes_scenes
    from vsi100k.synth.scannetpp_writer import generate_scannetpp_scenes
    from vsi100k.synth.writer import SynthConfig, generate_scenes, scan_profile

    clean = SynthConfig(render=False)
    return {
        "scannet": generate_scenes(root / "scannet", n, seed, config=scan_profile(render=False)),
        "scannetpp": generate_scannetpp_scenes(root / "scannetpp", n, seed, config=clean),
        "arkitscenes": generate_arkitscenes_scenes(root / "arkitscenes", n, seed, config=clean),
    }


def time_scan(source_name: str, folder: Path, cfg: FactsConfig) -> dict[str, float]:
    """Seconds to read the mesh, load the scan and extract its facts; vertex and object counts."""
    source = get_source(source_name)
    mesh = source.facts_inputs(folder)[0]
    start = time.perf_counter()
    vertices, _, _ = read_ply(mesh, folder.name)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    scene = source.load(folder)
    load_s = time.perf_counter() - start
    vocabulary = source.vocabulary() if source.vocabulary is not None else None
    start = time.perf_counter()
    facts = extract_facts(scene, cfg, vocabulary=vocabulary)
    facts_s = time.perf_counter() - start
    return {"read_s": read_s, "load_s": load_s, "facts_s": facts_s, "vertices": float(len(vertices)),
            "objects": float(len(facts.objects)), "pairs": float(len(facts.distances_m))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=3, help="synthetic scans per source")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cfg = FactsConfig()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        scans = write_scans(Path(tmp), args.scans, args.seed)
        print(f"wrote {sum(len(v) for v in scans.values())} scans in {time.perf_counter() - start:.1f} s "
              f"(facts: box {cfg.box_method}, distance {cfg.distance_method})\n")
        header = (f"{'source':<12} {'scans':>5} {'vertices':>9} {'objects':>7} {'pairs':>6} {'read ms':>8} "
                  f"{'load ms':>8} {'facts ms':>9} {'facts/read':>10}")
        print(header)
        print("-" * len(header))
        for name, folders in scans.items():
            rows = [time_scan(name, folder, cfg) for folder in folders]
            med = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
            print(f"{name:<12} {len(rows):>5} {med['vertices']:>9.0f} {med['objects']:>7.0f} {med['pairs']:>6.0f} "
                  f"{med['read_s'] * 1e3:>8.1f} {med['load_s'] * 1e3:>8.1f} {med['facts_s'] * 1e3:>9.1f} "
                  f"{med['facts_s'] / med['read_s']:>10.1f}")


if __name__ == "__main__":
    main()
