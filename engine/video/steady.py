"""A painted clip that does not flicker (Ruder, Dosovitskiy & Brox 2016, applied to feed-forward
frames): the optical flow between consecutive source frames (OpenCV's DIS) carries the previous
painted frame onto the new one; where the flow passes a forward–backward consistency test (a pixel
seen in both frames, not occluded) the carried frame is blended in, elsewhere the new painting
stands alone. A scene cut starts afresh."""

from __future__ import annotations

import numpy as np

#: Share of the carried (previous) painting at a consistent pixel: more is steadier, less follows
#: the new frame's painting sooner.
CARRY = 0.6
#: Ruder et al.'s consistency test: |forward + backward|² ≤ 0.01 (|forward|² + |backward|²) + 0.5.
CONSISTENT_REL, CONSISTENT_ABS = 0.01, 0.5
#: Mean grey difference (0…255) between two source frames above which they are taken for a cut.
CUT = 40.0


def _gray(frame: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


class Steadier:
    """Feed it (source frame, painted frame) in order; it gives back the steadied painted frame."""

    def __init__(self, carry: float = CARRY):
        import cv2

        self.carry = carry
        self._flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        self._source: np.ndarray | None = None
        self._painted: np.ndarray | None = None
        self.consistent = 0.0  #: share of the last frame's pixels the flow carried

    def prime(self, source: np.ndarray, painted: np.ndarray) -> None:
        """Start from this (source, painted) pair, as if it came just before: a loop's last frame."""
        self._source, self._painted = _gray(source), painted

    def __call__(self, source: np.ndarray, painted: np.ndarray) -> np.ndarray:
        gray = _gray(source)
        previous, self._source = self._source, gray
        if previous is None or self.carry <= 0 or np.abs(gray.astype(np.float32) - previous).mean() > CUT:
            self._painted, self.consistent = painted, 0.0
            return painted
        carried, mask = warp(previous, gray, self._painted, self._flow)
        self.consistent = float(mask.mean())
        weight = (self.carry * mask)[..., None]
        steady = painted.astype(np.float32) * (1 - weight) + carried.astype(np.float32) * weight
        self._painted = np.clip(steady + 0.5, 0, 255).astype(np.uint8)
        return self._painted


def warp(previous: np.ndarray, current: np.ndarray, picture: np.ndarray, flow) -> tuple[np.ndarray, np.ndarray]:
    """``picture`` (aligned with the grey frame ``previous``) moved onto ``current``, and the mask of
    the pixels where the flow between them is consistent (1) or not (0)."""
    import cv2

    back = flow.calc(current, previous, None)  # for each pixel now: where it was before
    forth = flow.calc(previous, current, None)
    h, w = current.shape
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    map_x, map_y = xs + back[..., 0], ys + back[..., 1]
    carried = cv2.remap(picture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    forth_there = cv2.remap(forth, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    round_trip = ((back + forth_there) ** 2).sum(-1)
    size = (back**2).sum(-1) + (forth_there**2).sum(-1)
    inside = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    mask = (round_trip <= CONSISTENT_REL * size + CONSISTENT_ABS) & inside
    return carried, mask.astype(np.float32)


def warping_error(
    previous_source: np.ndarray, source: np.ndarray, previous_painted: np.ndarray, painted: np.ndarray
) -> float:
    """Flicker, measured: the mean colour difference (0…255) between a painted frame and the previous
    one carried along the source's flow, over the consistent pixels."""
    import cv2

    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    carried, mask = warp(_gray(previous_source), _gray(source), previous_painted, flow)
    difference = np.abs(painted.astype(np.float32) - carried.astype(np.float32)).mean(-1)
    return float((difference * mask).sum() / max(mask.sum(), 1.0))
