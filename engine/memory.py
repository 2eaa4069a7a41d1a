"""How much memory a print needs, known before it starts, and how much this machine has free.

A step at a print's size runs VGG19 to relu3_1 (engine.objectives.nst, detail sizes) and keeps what
the backward pass needs: its memory grows with the pixel count (``BYTES_PER_PIXEL``). Prints are not
tiled yet: a size that does not fit is refused with one line, before any painting.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import EngineError
from .imaging import fit_size

#: Peak bytes per pixel of a print's largest size: 2048×1536 px (3.1 Mpx) peaked at 8.3 GB of RSS on
#: the 2-core development CPU (torch 2.14.1, 2026-12-07, benchmarks/print_size.py), ≈ 2.3 KB a pixel
#: above what the process holds anyway; rounded up. Not yet measured on a GPU: the CPU's figure
#: stands for it (the same activations; L-BFGS keeps fewer pairs there).
BYTES_PER_PIXEL = {"cpu": 2600, "cuda": 2600}
#: What an engine process holds whatever it paints (torch, VGG19 to relu3_1, the style pictures).
BASE = 600 * 2**20


def needed(device_type: str, photo_size: tuple[int, int], size: int) -> int:
    """Bytes a print of longest side ``size`` of a photo of ``photo_size`` needs at its peak."""
    width, height = fit_size(photo_size, size)
    return BASE + BYTES_PER_PIXEL.get(device_type, BYTES_PER_PIXEL["cpu"]) * width * height


def available(device) -> int:
    """Bytes this process may still take on ``device``: the GPU's free memory and what torch holds
    cached; on the CPU, the machine's available memory, within a container's limit."""
    if device.type == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info(device)
        return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    free = _meminfo("MemAvailable")
    limit = _cgroup_room()
    return min(free, limit) if limit is not None else free


def check_print(device, photo_size: tuple[int, int], size: int) -> None:
    """Refuse, before any painting, a print this machine has not the memory for."""
    need, have = needed(device.type, photo_size, size), available(device)
    if need > have:
        raise EngineError(
            f"A {size}-px print needs about {need / 2**30:.1f} GB of memory and this machine has "
            f"{have / 2**30:.1f} GB free on {device}. Ask for a smaller print size.",
            "print_memory",
        )


def _meminfo(field: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def _cgroup_room() -> int | None:
    """A cgroup v2 container's memory limit less what it uses (None: no limit)."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(0, int(limit) - used)
