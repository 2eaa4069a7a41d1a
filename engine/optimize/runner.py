"""How any objective is minimised: coarse-to-fine sizes, the optimiser, clamping, early stop,
CUDA graphs, progress with previews, and an out-of-memory retry at a smaller size.

An objective (engine.objectives) supplies ``canvas``, ``set_targets``, ``initial_image``, ``begin``,
``terms``, ``total``, ``summary``, ``after_step`` and ``finish``; the runner is shared by every mode.
It may also supply ``upsample`` (how a size's result starts the next), ``enlarge`` (how it becomes
a size that takes no steps), ``make_optimizer`` (e.g. the normalised gradient ascent of DeepDream;
None for the runner's own), ``steps_at`` (the steps it really takes at a size), ``guarded`` (take
back steps that make the loss worse), ``keeps_best`` (end a size with the best picture it saw),
``step_cost`` (a step's cost at a size relative to a full one, for the ETA), ``graphable = False``
(random steps a CUDA graph would freeze) and ``tiled`` with ``gradient`` (a size too large for
memory: the objective fills the picture's gradient itself, tile by tile).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

import torch
import torch.nn.functional as F

from ..errors import EngineError
from ..results import SMALLER, Note, Progress, ProgressCallback, Result
from ..tensors import tensor_to_image

log = logging.getLogger(__name__)
#: Below this longest side a memory shortage is reported instead of retried smaller.
MIN_RETRY_SIZE = 64


class Runner:
    """One run of one objective: the coarse-to-fine optimiser loop and its progress reports."""

    #: Steps over which ``tolerance`` measures the loss's improvement.
    PATIENCE = 10
    #: L-BFGS curvature pairs kept, by device type. torch's L-BFGS waits for the GPU twice per pair and
    #: step: on an H100 10 pairs instead of 100 made the best preset at 512 px 2.7× faster (4.2 → 1.6 s)
    #: with the same distances. On the CPU the waits cost nothing and 100 pairs measured closer.
    HISTORY: ClassVar[dict[str, int]] = {"cuda": 10, "cpu": 100}

    def __init__(self, objective, settings, callback: ProgressCallback | None = None, *, cuda_graphs: bool = True):
        self.objective, self.settings, self.callback = objective, settings, callback
        self.device = objective.device
        self.cuda_graphs = cuda_graphs
        steps_at = getattr(objective, "steps_at", lambda side, steps: steps)
        self.plan = [(objective.canvas(side), steps_at(side, steps)) for side, steps in settings.schedule]
        self.total_steps = sum(steps for _, steps in self.plan)
        # Progress and the ETA count work in pixel-steps: a step's cost grows with the pixel count.
        cost = getattr(objective, "step_cost", lambda size: 1.0)
        self.costs = [w * h * cost((w, h)) for (w, h), _ in self.plan]
        self.work_total = sum(c * steps for c, (_, steps) in zip(self.costs, self.plan))
        self.work_done = 0
        self.step = 0
        self.opt_seconds = 0.0
        self.started = time.perf_counter()

    def report(self, **fields) -> None:
        if self.callback is not None:
            done = self.work_done / self.work_total if self.work_total else 0.0
            self.callback(Progress(scales=len(self.plan), total_steps=self.total_steps, work=min(1.0, done), **fields))

    def eta(self) -> float | None:
        if not self.work_done:
            return None
        return self.opt_seconds / self.work_done * (self.work_total - self.work_done)

    def run(self) -> Result:
        s, objective = self.settings, self.objective
        if s.seed is not None:
            torch.manual_seed(s.seed)
        image = measured = None
        for scale, (size, steps) in enumerate(self.plan):
            if image is not None and not steps:  # a size reached by enlarging the last one
                with torch.no_grad():
                    image = getattr(objective, "enlarge", upsample)(image, size)
                continue
            self.report(
                stage="prepare",
                scale=scale,
                size=size,
                step=self.step,
                losses=None,
                elapsed=time.perf_counter() - self.started,
                eta=self.eta(),
            )
            with torch.no_grad():
                objective.set_targets(size)
                if image is None:
                    image = objective.initial_image(size)
                    start = objective.begin(image, [n for _, n in self.plan])
                else:
                    image = getattr(objective, "upsample", upsample)(image, size)
            image = measured = self.optimize(image, scale, steps)
        with torch.no_grad():  # the losses at the last size the targets are for (not an enlargement of it)
            terms = objective.terms(measured)
            end = objective.summary(*terms, objective.total(*terms))
        picture = objective.finish(tensor_to_image(image))
        elapsed = time.perf_counter() - self.started
        self.work_done = self.work_total
        self.report(
            stage="done",
            scale=len(self.plan) - 1,
            size=size,
            step=self.total_steps,
            losses=end,
            elapsed=elapsed,
            eta=0.0,
            image=picture,
        )
        return Result(picture, s, start, end, self.step, elapsed, str(self.device))

    def optimize(self, image: torch.Tensor, scale: int, steps: int) -> torch.Tensor:
        """``steps`` optimiser steps at one size (fewer if the loss stops improving)."""
        s, objective = self.settings, self.objective
        image = image.detach().clone(memory_format=torch.contiguous_format).requires_grad_(True)
        optimizer = self.make_optimizer(image)
        latest: list[tuple] = []
        totals: list[float] = []
        graphable = self.cuda_graphs and image.is_cuda and getattr(objective, "graphable", True)
        guarded = getattr(objective, "guarded", False)
        keeps_best = guarded or getattr(objective, "keeps_best", False)
        best: tuple[float, torch.Tensor] | None = None
        captured = capture(objective, image) if graphable else None
        tiled = getattr(objective, "tiled", None) is not None

        def closure():
            if captured is not None:
                graph, outputs = captured
                graph.replay()
                latest[:] = [outputs]
                return outputs[-1]
            optimizer.zero_grad(set_to_none=True)
            if tiled:
                latest[:] = [objective.gradient(image)]
                return latest[0][-1]
            terms = objective.terms(image)
            total = objective.total(*terms)
            total.backward()
            latest[:] = [(*terms, total)]
            return total

        size = (image.shape[3], image.shape[2])
        pixels = self.costs[scale]
        first_step = self.step
        for done in range(1, steps + 1):
            step_started = time.perf_counter()
            before = image.detach().clone() if keeps_best else None
            optimizer.step(closure)
            losses = objective.summary(*latest[0])  # at the image before this step moved it
            if guarded:
                best, optimizer = self.take_back(image, before, losses.total, best, optimizer)
            elif keeps_best and (best is None or losses.total <= best[0]):
                best = (losses.total, before)
            if not math.isfinite(losses.total):  # clamping keeps pixels finite; this guards the gradients
                raise EngineError(
                    "The optimisation diverged (the loss is no longer a number). "
                    "Try --optimizer adam or a smaller --learning-rate.",
                    "diverged",
                )
            with torch.no_grad():
                image.clamp_(0.0, 1.0)
            self.step = first_step + done
            objective.after_step(self.step, losses)
            self.opt_seconds += time.perf_counter() - step_started
            self.work_done += pixels
            totals.append(losses.total)
            before = totals[-self.PATIENCE - 1] if len(totals) > self.PATIENCE else None
            stalled = s.tolerance > 0 and before is not None and before - totals[-1] < s.tolerance * abs(before)
            if stalled:
                # The skipped steps count as done, so progress and ETA stay truthful.
                self.work_done += pixels * (steps - done)
                self.step = first_step + steps
            if self.callback is not None:
                at_preview = s.preview_every and (self.step % s.preview_every == 0 or stalled)
                self.report(
                    stage="optimize",
                    scale=scale,
                    size=size,
                    step=self.step,
                    losses=losses,
                    elapsed=time.perf_counter() - self.started,
                    eta=self.eta(),
                    image=tensor_to_image(image) if at_preview else None,
                )
            if stalled:
                break
        if keeps_best and best is not None:
            with torch.no_grad():
                total = float(objective.total(*objective.terms(image)))
            if not total <= best[0]:
                return best[1]
        return image.detach()

    def take_back(self, image, before, total: float, best, optimizer):
        """Keep the best picture seen; when a step made it worse, go back to the best and go on with
        a fresh optimiser at half the rate (its curvature history led it astray)."""
        if best is None or total <= best[0]:
            return (total, before), optimizer
        with torch.no_grad():
            image.copy_(best[1])
        rate = optimizer.param_groups[0]["lr"] / 2
        optimizer = self.make_optimizer(image)
        for group in optimizer.param_groups:
            group["lr"] = rate
        log.info("a step made the picture worse (%.4g → %.4g); taken back, rate now %.3g", best[0], total, rate)
        return best, optimizer

    def make_optimizer(self, image: torch.Tensor) -> torch.optim.Optimizer:
        s = self.settings
        own = getattr(self.objective, "make_optimizer", None)
        optimizer = own(image) if own is not None else None
        if optimizer is not None:
            return optimizer
        if s.optimizer == "lbfgs":
            # One iteration per step() so progress, clamping and cancelling happen every step;
            # the curvature history persists across calls.
            history = self.HISTORY.get(image.device.type, 100)
            return torch.optim.LBFGS(
                [image], lr=s.lr, max_iter=1, history_size=history, tolerance_grad=0.0, tolerance_change=0.0
            )
        return torch.optim.Adam([image], lr=s.lr)


def capture(objective, image: torch.Tensor) -> tuple[torch.cuda.CUDAGraph, tuple] | None:
    """Record one forward+backward pass as a CUDA graph, replayed for every step.

    At 512 px and below a step is bound by launching ~500 small kernels from Python, not by the
    GPU; one replay launches them all at once. The image is the graph's static input (the
    optimiser changes it in place) and its ``.grad`` the static output.
    """
    try:
        side = torch.cuda.Stream(image.device)
        side.wait_stream(torch.cuda.current_stream(image.device))
        with torch.cuda.stream(side):
            for _ in range(2):  # warm-up outside the graph, as torch.cuda.graph requires
                image.grad = None
                objective.total(*objective.terms(image)).backward()
        torch.cuda.current_stream(image.device).wait_stream(side)
        image.grad = None
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            terms = objective.terms(image)
            total = objective.total(*terms)
            total.backward()
        return graph, (*terms, total)
    except RuntimeError as exc:  # e.g. an operation that cannot be captured: run eagerly
        if out_of_memory(exc):
            raise
        log.warning("CUDA graph capture failed, running eagerly: %s", exc)
        image.grad = None
        return None


def run_with_memory_retry(
    make_objective: Callable[[object], object],
    settings,
    device: torch.device,
    callback: ProgressCallback | None = None,
    *,
    cuda_graphs: bool = True,
) -> Result:
    """Run; on running out of memory (any device) try again √2 smaller, noting it in the warnings."""
    warnings: list[Note] = []
    while True:
        try:
            runner = Runner(make_objective(settings), settings, callback, cuda_graphs=cuda_graphs)
            return replace(runner.run(), warnings=tuple(warnings))
        except (torch.OutOfMemoryError, RuntimeError) as exc:
            if not out_of_memory(exc):
                raise
            smaller = round(settings.size / math.sqrt(2))
            if device.type == "cuda":
                torch.cuda.empty_cache()
            if smaller < MIN_RETRY_SIZE:
                raise EngineError(
                    f"Not enough memory on {device} even for a {settings.size} px picture.", "out_of_memory"
                ) from None
            text = f"Not enough memory on {device} for {settings.size} px; painted at {smaller} px instead."
            warnings.append(Note(SMALLER, text))
            log.warning(text)
            changes = {"size": smaller}
            if getattr(settings, "start_size", None):
                changes["start_size"] = min(settings.start_size, smaller)
            settings = settings.replace(**changes)


def out_of_memory(exc: BaseException) -> bool:
    # CUDA and MPS raise OutOfMemoryError; the CPU allocator a plain RuntimeError.
    return isinstance(exc, torch.OutOfMemoryError) or "can't allocate memory" in str(exc)


def upsample(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The previous size's result, enlarged (bicubic) to start the next size."""
    return F.interpolate(image, size=(size[1], size[0]), mode="bicubic", align_corners=False).clamp_(0.0, 1.0)
