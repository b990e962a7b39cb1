"""Disk taken by vsi100k's dependencies in the current environment: the base install and the extras.

Reads pyproject.toml's requirements, follows each installed distribution's own requirements (the
dependency closure), and sums the sizes of the files every distribution installed. Prints the base
install (`pip install -e .`), what `.[train,dev,ray]` adds, and how much of it is CUDA libraries
(`nvidia-*`, `cuda-*`, `triton`), which a CPU-only machine does not need when torch comes from its
CPU wheel index. Run it in an environment where those extras are installed.

    python bench/install_size.py --extras train,dev,ray
"""

from __future__ import annotations

import argparse
import re
import tomllib
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CUDA_PREFIXES = ("nvidia-", "cuda-", "triton")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s\[<>=!~;(]", requirement.strip(), maxsplit=1)[0])


def installed() -> dict[str, metadata.Distribution]:
    return {canonical(d.metadata["Name"]): d for d in metadata.distributions() if d.metadata["Name"]}


def closure(names: list[str], dists: dict[str, metadata.Distribution]) -> set[str]:
    """Every installed distribution reachable from `names` through requirements without an extra marker."""
    seen: set[str] = set()
    todo = [canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen or name not in dists:
            continue
        seen.add(name)
        for requirement in dists[name].requires or []:
            if "extra ==" in requirement or "extra==" in requirement:
                continue
            todo.append(requirement_name(requirement))
    return seen


def size_bytes(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        path = Path(dist.locate_file(file))
        if path.is_file():
            total += path.stat().st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extras", default="train,dev,ray")
    args = parser.parse_args()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    dists = installed()
    base = closure([requirement_name(r) for r in project["dependencies"]], dists)
    extra_names = [requirement_name(r) for extra in args.extras.split(",")
                   for r in project["optional-dependencies"][extra]]
    extras = closure(extra_names, dists) - base
    sizes = {name: size_bytes(dists[name]) for name in base | extras}
    gb = 1e9
    cuda = {name for name in extras if name.startswith(CUDA_PREFIXES)}
    base_total = sum(sizes[n] for n in base)
    extras_total = sum(sizes[n] for n in extras)
    cuda_total = sum(sizes[n] for n in cuda)
    print(f"base install (pip install -e .): {base_total / gb:.2f} GB in {len(base)} distributions")
    print(f"the [{args.extras}] extras add: {extras_total / gb:.2f} GB in {len(extras)} distributions "
          f"(total {(base_total + extras_total) / gb:.2f} GB)")
    print(f"  of which CUDA libraries ({len(cuda)} distributions): {cuda_total / gb:.2f} GB; "
          f"torch itself: {sizes.get('torch', 0) / gb:.2f} GB")
    print(f"  without the CUDA libraries (CPU-only machine, torch from its CPU index): at most "
          f"{(base_total + extras_total - cuda_total) / gb:.2f} GB in all")
    for name in sorted(extras, key=lambda n: -sizes[n])[:8]:
        print(f"    {name:28s} {sizes[name] / gb:6.2f} GB")


if __name__ == "__main__":
    main()
