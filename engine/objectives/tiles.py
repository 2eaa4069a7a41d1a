"""A picture too large for memory, measured and differentiated tile by tile — exactly, so no seams.

Each tile shows the network its part of the picture and a margin around it, and counts only the
features of its own part. The margin is what a feature at the deepest layer sees beyond its own
cell (``reach``), rounded up to the deepest pooling's cell so that every tile's poolings fall on
the whole picture's grid: a tile's counted features are then the whole picture's, bit for bit up
to summation order.

A Gram matrix is not a sum of per-tile losses, so the gradient takes two passes (as the tiled
style transfer of crowsonkb/style-transfer-pytorch does for its Gram statistics): the first, with
no gradient, adds up each feature loss's statistic over the tiles (engine.objectives.losses:
``part``); the objective's total is then differentiated with respect to those sums; the second
pass runs each tile again with its gradient and back-propagates ``Σ ∂total/∂statistic · part``
into the tile's pixels — the exact gradient of the whole picture's loss, one tile in memory at
a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise

import torch

from ..layers import LAYER_INDEX, LAYER_NAMES
from .losses import FeatureLoss, StyleLoss, Window

#: (layer, the part of a statistic a tile's features at that layer hold)
Part = tuple[str, Callable[[torch.Tensor, Window], torch.Tensor]]


@cache
def reach(layer: str) -> tuple[int, int]:
    """(how many pixels beyond its own cell a feature at ``layer`` sees, the cell's side in pixels)."""
    seen, cell = 0, 1
    for name in LAYER_NAMES[: LAYER_INDEX[layer] + 1]:
        if name.startswith("conv"):  # 3×3, padded by one: one more cell on each side
            seen += cell
        elif name.startswith("pool"):
            cell *= 2
    return seen, cell


def scale(layer: str) -> int:
    """How many pixels a side of one of ``layer``'s positions spans (1, 2, 4, …)."""
    return reach(layer)[1]


@dataclass(frozen=True)
class Tile:
    """``seen``: what the network is shown (x0, y0, x1, y1); ``counted``: the part whose features count."""

    seen: tuple[int, int, int, int]
    counted: tuple[int, int, int, int]

    def window(self, layer: str, size: tuple[int, int]) -> tuple[Window, Window]:
        """Where the counted features lie at ``layer``: in the tile's own features, and in the
        whole picture's (of ``size`` pixels)."""
        f = scale(layer)
        (sx, sy, _, _), (x0, y0, x1, y1) = self.seen, self.counted
        positions = (size[0] // f) * (size[1] // f)
        own = Window(slice((y0 - sy) // f, (y1 - sy) // f), slice((x0 - sx) // f, (x1 - sx) // f), positions)
        return own, Window(slice(y0 // f, y1 // f), slice(x0 // f, x1 // f), positions)


@lru_cache(maxsize=32)
def grid(size: tuple[int, int], side: int, depth: str) -> tuple[Tile, ...]:
    """Tiles of at most about ``side`` pixels a side (their margins besides) covering ``size``,
    for features down to ``depth``."""
    seen, cell = reach(depth)
    margin = math.ceil(seen / cell) * cell

    def cuts(length: int) -> list[int]:
        count = max(1, math.ceil(length / max(side, cell)))
        step = math.ceil(length / count / cell) * cell
        return [*range(0, length, step), length]

    xs, ys = cuts(size[0]), cuts(size[1])
    return tuple(
        Tile(
            (max(0, x0 - margin), max(0, y0 - margin), min(size[0], x1 + margin), min(size[1], y1 + margin)),
            (x0, y0, x1, y1),
        )
        for y0, y1 in pairwise(ys)
        for x0, x1 in pairwise(xs)
    )


class Tiled:
    """The network's view of a large picture, one tile of at most ``side`` pixels at a time."""

    def __init__(self, net, pooling: str, side: int):
        self.net, self.pooling, self.side = net, pooling, side

    def tiles(self, image: torch.Tensor, layers: Sequence[str]) -> tuple[Tile, ...]:
        depth = max(layers, key=LAYER_INDEX.__getitem__)
        return grid((image.shape[3], image.shape[2]), self.side, depth)

    def features(self, image: torch.Tensor, layer: str) -> torch.Tensor:
        """The whole picture's features at ``layer`` (no gradient), put together from the tiles."""
        f = scale(layer)
        size = (image.shape[3], image.shape[2])
        out = None
        with torch.no_grad():
            for tile in self.tiles(image, (layer,)):
                feats = self._run(image, tile, (layer,))[layer]
                own, whole = tile.window(layer, size)
                if out is None:
                    out = feats.new_empty((*feats.shape[:2], size[1] // f, size[0] // f))
                out[..., whole.rows, whole.columns] = feats[..., own.rows, own.columns]
        return out

    def grams(self, image: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        """The whole picture's Gram matrix at each of ``layers`` (no gradient)."""
        sums = self.measure(image, [(layer, StyleLoss.part_of) for layer in layers])
        return dict(zip(layers, sums))

    def measure(self, image: torch.Tensor, parts: Sequence[Part]) -> list[torch.Tensor]:
        """Each statistic summed over the tiles (no gradient): the first pass."""
        layers = tuple({layer for layer, _ in parts})
        size = (image.shape[3], image.shape[2])
        sums: list[torch.Tensor | float] = [0.0] * len(parts)
        with torch.no_grad():
            for tile in self.tiles(image, layers):
                feats = self._run(image, tile, layers)
                for k, (layer, part) in enumerate(parts):
                    own, whole = tile.window(layer, size)
                    sums[k] = sums[k] + part(feats[layer][..., own.rows, own.columns], whole)
                del feats
        return sums

    def backward(self, image: torch.Tensor, losses: Sequence[tuple[str, FeatureLoss]], grads) -> None:
        """The second pass: ∂total/∂statistic (``grads``, one per loss) carried into ``image.grad``
        through each tile's features."""
        layers = tuple({layer for layer, _ in losses})
        size = (image.shape[3], image.shape[2])
        if image.grad is None:
            image.grad = torch.zeros_like(image)
        for tile in self.tiles(image, layers):
            x0, y0, x1, y1 = tile.seen
            part = image.detach()[..., y0:y1, x0:x1].clone().requires_grad_(True)
            feats = self.net(part, layers, self.pooling)
            surrogate = 0.0
            for (layer, loss), grad in zip(losses, grads):
                if grad is None:
                    continue
                own, whole = tile.window(layer, size)
                surrogate = surrogate + (grad * loss.part(feats[layer][..., own.rows, own.columns], whole)).sum()
            if torch.is_tensor(surrogate):
                surrogate.backward()
                image.grad[..., y0:y1, x0:x1] += part.grad
            del feats, surrogate, part

    def _run(self, image: torch.Tensor, tile: Tile, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        x0, y0, x1, y1 = tile.seen
        return self.net(image[..., y0:y1, x0:x1], layers, self.pooling)
