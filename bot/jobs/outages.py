"""A database outage under the dispatcher (a restart, a failover, the network): what it was doing
is waited out and done again, not failed — the person is answered once the database is back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from .. import i18n
from ..domain.languages import Languages
from ..storage import JobStatus, patiently, unavailable, when_reachable
from ..storage.models import utcnow
from .delivery import Delivery
from .lanes import Lane
from .notifier import Notifier
from .records import JobRecords

log = logging.getLogger(__name__)
#: How far back a new leader tells the endings of cancelled and failed jobs again.
RETELL_WINDOW = timedelta(minutes=2)


async def told_once_reachable(fail: Callable[[], Awaitable], background, job_id: int) -> None:
    """Mark a job failed and tell its person now, or — the database gone meanwhile — once it is
    back (the job is not left "running" with nobody to end it)."""
    try:
        await fail()
    except Exception as exc:
        if not unavailable(exc):
            raise
        log.warning("job %s: its failure is told once the database is back", job_id)
        background.run(when_reachable(fail))


async def outlasting(work, what: str) -> None:
    """Run ``work``; the lane's loop outlasts its failure (a database restart under a position
    update once ended the loop, and with it this replica's painting until it restarted)."""
    try:
        await work
    except Exception as exc:
        if not unavailable(exc):
            log.exception("%s failed", what)
        else:
            log.warning("%s skipped: the database is unavailable (%s)", what, type(exc).__name__)
            await asyncio.sleep(1.0)


async def again_when_reachable(
    records: JobRecords, delivery: Delivery, job_id: int, lane: Lane, user_id: int | None, patience: float = 120
) -> None:
    """A job whose run broke on a database outage, queued again once the database answers —
    unless it finished meanwhile, or its result was claimed for sending (it may have gone out).
    A replica that stopped leading meanwhile leaves it to the next leader, which finds it."""

    async def requeued() -> bool:
        job = await records.get(job_id)
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return False
        if await delivery.claimed(job_id):
            log.warning("job %s: its result was being sent as the database went; not painted again", job_id)
            return False
        await records.requeue(job_id)
        return True

    await asyncio.sleep(1.0)  # (the database just went: a first look at once would only fail)
    try:
        if not await patiently(requeued, patience):
            return
    except Exception:
        log.exception("job %s could not be queued again; the next start restores it", job_id)
        return
    if lane.task is not None and job_id not in lane.queue and user_id is not None:
        lane.queue.push_front(job_id, user_id)
        lane.wakeup.set()
        log.info("job %s queued again after the database outage", job_id)


async def retell_endings(records: JobRecords, notifier: Notifier, languages: Languages) -> None:
    """A job cancelled or failed just before the leader that ended it was killed may never have had
    its card say so (the edit was on its way, waiting out Telegram's 429s): a new leader says the
    endings of the last RETELL_WINDOW again. A card that says it already stays as it is (Telegram
    answers "not modified"), so saying it twice costs a request, never a second message."""
    try:
        jobs = await records.ended_since(utcnow() - RETELL_WINDOW)
    except Exception as exc:
        if not unavailable(exc):
            raise
        log.warning("endings not told again: the database is unavailable (%s)", type(exc).__name__)
        return
    for job in jobs:
        with i18n.using(languages.for_job(job)):
            await notifier.ended(job)
