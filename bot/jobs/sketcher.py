"""Sketches: a painting's instant picture, shown on its progress card about a second after ▶ while
the painting waits or runs, painted by the instant lane ahead of its own jobs.

Sketches are not jobs: they are lost on a restart (the job gets a new one), and the painting's own
pictures replace them. Any failure costs only the sketch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from pathlib import Path

from engine.errors import SettingsError
from worker.protocol import JobSpec, Progress, SpecError

from .. import i18n, modes, texts
from ..domain import subjects
from ..domain.languages import Languages
from ..storage import JobStatus
from ..telegram.files import FileCache
from .background import Background
from .lanes import JobBook, Lanes, QueueView
from .notifier import Notifier
from .records import JobRecords

log = logging.getLogger(__name__)


class Sketcher:
    def __init__(
        self,
        records: JobRecords,
        cache: FileCache,
        notifier: Notifier,
        languages: Languages,
        lanes: Lanes,
        book: JobBook,
        queue: QueueView,
        background: Background,
    ):
        self.records, self.cache, self.notifier, self.languages = records, cache, notifier, languages
        self.lanes, self.book, self.queue, self.background = lanes, book, queue, background
        self.waiting: deque[int] = deque()  #: painting jobs waiting for their sketch
        self._shows: dict[int, str] = {}  #: job id → what its card shows: "sketch" or "painting"

    def want(self, job_id: int) -> None:
        """Ask for a job's sketch (once), from the instant lane."""
        if job_id not in self.waiting and self.lanes.instant is not None:
            self.waiting.append(job_id)
            self.lanes.instant.wakeup.set()

    def shows_sketch(self, job_id: int) -> bool:
        return self._shows.get(job_id) == "sketch"

    def painting_shown(self, job_id: int) -> None:
        """The painting's own picture is on the card: no sketch goes there any more."""
        self._shows[job_id] = "painting"

    def forget(self, job_id: int) -> None:
        self._shows.pop(job_id, None)

    def clear(self) -> None:
        """This replica no longer paints: another one sketches from now on."""
        self.waiting.clear()
        self._shows.clear()

    async def sketch(self, job_id: int) -> None:
        """Paint a waiting or running job's instant picture on the instant lane and show it on its
        card, unless the painting has put a picture of its own there first."""
        instant, painting = self.lanes.instant, self.lanes.paint
        job = await self.records.get(job_id)
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING) or job_id in self._shows:
            return
        i18n.use(self.languages.for_job(job))
        try:
            stored = JobSpec.from_dict(job.spec)
            spec = modes.get(stored.mode).sketch(stored, str(self.cache.previews / f"{job_id}.instant.jpg"))
        except (SpecError, SettingsError):
            return
        if spec is None:
            return

        async def ignore(_: Progress) -> None:
            return None

        try:
            outcome = await instant.supervisor.run(f"sketch-{job_id}", spec, ignore)
        except Exception as exc:  # the instant engine would not even start: the painting goes on
            log.warning("no sketch for job %s: %s", job_id, exc)
            return
        if outcome.kind != "done":
            log.info("no sketch for job %s: %s", job_id, outcome.failed.message if outcome.failed else outcome.kind)
            return
        with contextlib.suppress(OSError):  # the subject it found, for the photo's later jobs
            await asyncio.to_thread(subjects.keep, spec, outcome.done)
        if job_id in self._shows or not painting.holds(job_id):
            return  # the painting showed its own picture first, or it is over
        card = self.notifier.card(job)
        if card is None:
            return
        self._shows[job_id] = "sketch"
        # In a group the edit may wait for its turn: the next person's sketch should not.
        picture = Path(outcome.done.output)
        self.background.run(card.show(self._caption(job_id), picture, force=True, best_effort=True))

    def _caption(self, job_id: int) -> str:
        """A card's words above a sketch: its place in the queue, or how far the painting is."""
        if job_id in self.lanes.paint.queue.running_jobs:
            tracked = self.book.get(job_id)
            left = tracked.countdown.now() if tracked is not None and tracked.countdown is not None else None
            return texts.painting(int(100 * self.book.progress(job_id)), left, sketch=True)
        return texts.queued(self.queue.position(job_id), self.queue.eta(job_id), sketch=True)
