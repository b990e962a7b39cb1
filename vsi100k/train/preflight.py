"""Checks run before any heavy work of `vsi100k train` / `vsi100k eval --model`: each failure is one
`PreflightError` line saying what to do, instead of a traceback minutes later.

- `check_extra`: the packages of an optional extra import (``train``: torch, transformers, trl, peft,
  accelerate; ``vllm``: vllm); otherwise "install vsi100k[train]".
- `check_model_path`: a local model folder exists and holds a model (config.json) or a LoRA adapter
  (adapter_config.json). Something that is not a folder but is shaped like a Hub id
  (``namespace/name``) is left for transformers to download.
- `check_device`: a CUDA GPU is present unless ``--cpu`` was given.

Must not: load a model or touch the network.
"""

from __future__ import annotations

import re
from pathlib import Path

from vsi100k.errors import Vsi100kError

EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("torch", "transformers", "trl", "peft", "accelerate"),
    "eval": ("torch", "transformers", "peft"),  # part of the train extra
    "vllm": ("vllm",),
}
# Which extra to name in the message for each check.
EXTRA_NAME = {"train": "train", "eval": "train", "vllm": "vllm"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


class PreflightError(Vsi100kError, ValueError):
    """A run cannot start; the message is one line saying what to install, pass or fix."""


def check_extra(extra: str) -> None:
    """Import every package of ``extra``; PreflightError naming the first missing module and the extra."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; valid: {list(EXTRAS)}")
    for module in EXTRAS[extra]:
        try:
            __import__(module)
        except ImportError as exc:
            name = EXTRA_NAME[extra]
            missing = getattr(exc, "name", None) or module
            raise PreflightError(
                f"the {name!r} extra is not installed (no module {missing!r}); install vsi100k[{name}]: "
                f"pip install -e '.[{name}]'"
            ) from None


def looks_like_hub_id(model: str) -> bool:
    """True for ``namespace/name`` strings that are not written as local paths (./x, /x, ~/x, a/b/c)."""
    return bool(_HUB_ID.match(model)) and not model.startswith((".", "~"))


def check_model_path(model: str) -> None:
    """A local model folder must exist and hold config.json or adapter_config.json."""
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise PreflightError(f"model {model}: not a folder (give a model folder or a Hub id)")
        if not (path / "config.json").is_file() and not (path / "adapter_config.json").is_file():
            raise PreflightError(
                f"model {model}: the folder has neither config.json nor adapter_config.json; "
                "is it a transformers model folder?"
            )
        return
    if not looks_like_hub_id(model):
        raise PreflightError(f"model {model}: no such folder (a Hub model id looks like namespace/name)")


def check_device(cpu: bool) -> None:
    """Without ``cpu``, a CUDA GPU must be visible to torch."""
    if cpu:
        return
    import torch

    if not torch.cuda.is_available():
        raise PreflightError(
            "no CUDA GPU is visible (torch.cuda.is_available() is False); pass --cpu to run on the CPU "
            "(slow: meant for tiny models and tests)"
        )


def check_model_run(model: str, *, cpu: bool, extra: str = "train", backend: str = "transformers") -> None:
    """All checks for a run that loads ``model``: the extra (and vllm for that backend), the path, the device."""
    check_extra(extra)
    if backend == "vllm":
        check_extra("vllm")
    check_model_path(model)
    check_device(cpu)
