"""How much memory a print needs, known before it starts, and how much this machine has free.

A step at a print's size runs VGG19 to relu3_1 (engine.objectives.nst, detail sizes) and keeps what
the backward pass needs: its memory grows with the pixel count (``BYTES_PER_PIXEL``). A size that
does not fit is painted in tiles (engine.objectives.tiles): then only the picture itself, its
gradient, the optimiser's history and the photo's targets are whole (``WHOLE_BYTES``), and the
network's activations are one tile's (``TILE_BYTES``). What not even the smallest tile makes fit
is refused with one line, before any painting.
"""

from __future__ import annotations

import math
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
#: In tiles: bytes per pixel of the whole picture that stay whatever the tiles (the picture, its
#: gradient, L-BFGS's history, the photo's relu2_1 target) …
WHOLE_BYTES = {"cpu": 450, "cuda": 450}
#: … and per pixel of one tile as the network sees it (its margins included). Measured together at
#: 2048×1536 px (6 steps, the same machine and day): tiles of 1024, 512 and 256 px peaked at 2.5, 2.0
#: and 1.35 GB above the process's own (7.3 GB whole); both figures are rounded up to cover all three.
TILE_BYTES = {"cpu": 3000, "cuda": 3000}
#: The smallest tile worth painting (its margins would cost more than it paints).
MIN_TILE = 256
#: A tile's margin on each side at relu3_1 (engine.objectives.tiles.reach, rounded to its cell).
MARGIN = 12


def needed(device_type: str, photo_size: tuple[int, int], size: int) -> int:
    """Bytes a print of longest side ``size`` of a photo of ``photo_size`` needs at its peak."""
    width, height = fit_size(photo_size, size)
    return BASE + _of(BYTES_PER_PIXEL, device_type) * width * height


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


def in_tiles(device_type: str, photo_size: tuple[int, int], size: int, tile: int) -> int:
    """Bytes the same print needs at its peak when painted in tiles of ``tile`` px a side."""
    width, height = fit_size(photo_size, size)
    seen = (min(tile, width) + 2 * MARGIN) * (min(tile, height) + 2 * MARGIN)
    return BASE + _of(WHOLE_BYTES, device_type) * width * height + _of(TILE_BYTES, device_type) * seen


def tile_side(device, size: tuple[int, int]) -> int | None:
    """The largest tile that lets a picture of ``size`` px fit the memory free now (None: it fits
    whole; ``MIN_TILE`` where not even that fits — ``check_print`` refused that before)."""
    have = available(device)
    if needed(device.type, size, max(size)) <= have:
        return None
    room = have - BASE - _of(WHOLE_BYTES, device.type) * size[0] * size[1]
    side = math.isqrt(max(0, room) // _of(TILE_BYTES, device.type)) - 2 * MARGIN
    return max(MIN_TILE, side)


def check_print(device, photo_size: tuple[int, int], size: int) -> None:
    """Refuse, before any painting, a print this machine has not the memory for even in tiles."""
    need, have = in_tiles(device.type, photo_size, size, MIN_TILE), available(device)
    if need > have:
        raise EngineError(
            f"A {size}-px print needs at least {need / 2**30:.1f} GB of memory and this machine has "
            f"{have / 2**30:.1f} GB free on {device}. Ask for a smaller print size.",
            "print_memory",
        )


def _of(table: dict[str, int], device_type: str) -> int:
    return table.get(device_type, table["cpu"])


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
