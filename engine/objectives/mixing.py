"""How two style losses are combined ("mixed NST") so that γ = 0.5 really is an even mix.

The plain sum γ·L₁ + (1−γ)·L₂ favours whichever style loss happens to be larger at the start:
its gradient dominates, so that style improves much more than the other. We measure each
style's *relative improvement* RI_i = L_i(start) / L_i(end) and want RI₁ ≈ RI₂ at γ = 0.5.

Calibration first divides each style loss by its own value at the starting image, so both
start at 1 and each term measures the fraction of that style still missing. That alone still
leaves one style improving up to ~3× more than the other (some paintings are simply easier to
reach), so :class:`StyleBalancer` then closes the loop: every few steps, until the last 30% of
the final size, it nudges the two coefficients until style 1's share of the log-improvement
equals γ.
Uncalibrated, the raw losses are only divided by one common constant (their γ-weighted sum at
the start), which keeps the overall style/content balance the same in both modes and leaves the
split between the styles as the plain sum gives it. With one style — or γ ∈ {0, 1} — the two
modes are identical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..settings import mix_shares


def mix_proportions(gamma: float, n_styles: int, weights: Sequence[float] | None = None) -> tuple[float, ...]:
    """γ for style 1 and 1−γ for style 2, or ``weights`` normalised (any number of styles); a single
    style gets everything."""
    return mix_shares(gamma, n_styles, tuple(weights) if weights is not None else None)


def style_coefficients(start_losses: Sequence[float], proportions: Sequence[float], calibrate: bool) -> list[float]:
    """Multipliers of each raw style loss in the objective; their weighted start sum is always 1."""
    tiny = 1e-12
    if calibrate:
        return [p / max(start, tiny) for p, start in zip(proportions, start_losses)]
    common = sum(p * start for p, start in zip(proportions, start_losses))
    return [p / max(common, tiny) for p in proportions]


class StyleBalancer:
    """Feedback calibration of two style coefficients during the optimisation.

    Normalising by the start values is not enough: one style may still be much easier to reach
    than the other. At a few checkpoints we measure each style's log relative improvement
    log RI_i = log(L_i(start) / L_i(now)) and nudge the coefficients so that style 1's share
    of the total log-improvement, log RI₁ / (log RI₁ + log RI₂), approaches γ — at γ = 0.5
    that is RI₁ = RI₂. The weighted sum of coefficients at the start stays 1, so the overall
    content/style balance does not drift.
    """

    #: Steps between revisions of the coefficients. Measured at 128 px, 100 steps, three pairs of the
    #: shared paintings: every 7 steps with gain 1 lands within 1% of RI₁ = RI₂; gain 4 overshoots
    #: (RI ratios of 9–13), and so does revising every step or two (coarse-to-fine sizes of 20 steps
    #: with 10 revisions each: ratios up to 3.9).
    INTERVAL = 7
    #: The coefficient ratio changes by exp(2·GAIN·error) at a revision.
    GAIN = 1.0
    #: The last part of the final size runs unchanged, so the optimiser settles on one objective.
    SETTLE = 0.3

    def __init__(self, start_losses: Sequence[float], gamma: float | Sequence[float], steps: int | Sequence[int]):
        """``gamma``: style 1's share of two, or every style's share (any number, summing to 1).
        ``steps``: the job's steps, or the steps of each coarse-to-fine size in order. Revisions go
        on through every size (a new size moves the losses and needs steering again)."""
        self.start = [max(v, 1e-12) for v in start_losses]
        self.targets = [gamma, 1.0 - gamma] if isinstance(gamma, int | float) else list(gamma)
        self.gamma = self.targets[0]
        self.coefficients = style_coefficients(self.start, self.targets, calibrate=True)
        sizes = [steps] if isinstance(steps, int) else list(steps)
        last = sum(sizes) - self.SETTLE * sizes[-1]
        self.due = set(range(self.INTERVAL, math.ceil(last), self.INTERVAL))

    def shares(self, losses: Sequence[float]) -> list[float] | None:
        """Each style's share of the log-improvement so far, or None while none has improved."""
        gains = [max(0.0, math.log(start / max(now, 1e-12))) for start, now in zip(self.start, losses)]
        total = sum(gains)
        return [g / total for g in gains] if total > 1e-6 else None

    def share(self, losses: Sequence[float]) -> float | None:
        """Style 1's share of the log-improvement so far, or None while none has improved."""
        shares = self.shares(losses)
        return shares[0] if shares is not None else None

    def update(self, step: int, losses: Sequence[float]) -> bool:
        """Revise the coefficients if ``step`` is a checkpoint; True when they changed."""
        if step not in self.due:
            return False
        shares = self.shares(losses)
        if shares is None:
            return False
        # each coefficient moves by its style's shortfall (with two: style 1's error, and its opposite)
        moved = [c * math.exp(self.GAIN * (t - s)) for c, t, s in zip(self.coefficients, self.targets, shares)]
        norm = sum(c * start for c, start in zip(moved, self.start))
        self.coefficients = [c / norm for c in moved]
        return True
