"""Choosing the torch device: CUDA if there is one, else Apple's MPS, else every CPU core.

Importing this module loads no torch (the CLI lists the choices in --help without it).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .errors import SettingsError

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
#: GPU arithmetic: strict float32, TensorFloat-32 tensor cores (the default), or bfloat16 convolutions.
PRECISIONS = ("fp32", "tf32", "bf16")


def pick_device(name: str = "auto") -> torch.device:
    """Resolve ``auto``/``cpu``/``cuda``/``cuda:N``/``mps`` to an available device, or raise SettingsError."""
    import torch

    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return _cpu()
    if name == "cpu":
        return _cpu()
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SettingsError("CUDA was asked for but no NVIDIA GPU is usable here; use --device cpu or auto.")
        device = torch.device(name)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise SettingsError(f"There is no {name}: this machine has {torch.cuda.device_count()} GPU(s).")
        return device
    if name == "mps":
        if not _mps_available():
            raise SettingsError("MPS (Apple GPU) was asked for but is not available; use --device cpu or auto.")
        return torch.device("mps")
    raise SettingsError(f"Unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps.")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def _cpu() -> torch.device:
    import torch

    # torch defaults to the physical cores it sees; containers often hide some, so use all we may run on —
    # unless OMP_NUM_THREADS says otherwise (several workers on one CPU host: two processes with a thread
    # per core each ran 4× slower per job than one, the threads spinning against each other).
    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(usable_cores())
    return torch.device("cpu")


def usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, not the machine's)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)
