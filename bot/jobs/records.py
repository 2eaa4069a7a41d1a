"""Job rows, the truth about every job: the one place its status changes (queued → running → done,
failed or cancelled; running → queued again after a crash or a restart) and what the lanes read
back from them."""

from __future__ import annotations

import logging

from sqlalchemy import select

from worker.protocol import JobSpec

from .. import modes
from ..domain.policy import Host
from ..storage import Database, Job, JobStatus, as_utc
from ..storage.models import utcnow

log = logging.getLogger(__name__)
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobRecords:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, job_id: int) -> Job | None:
        async with self.db.session() as session:
            return await session.get(Job, job_id)

    async def restore(self) -> tuple[list[Job], list[Job]]:
        """Every unfinished job in order of arrival, and those that were painting (now queued again)."""
        async with self.db.session() as session, session.begin():
            query = select(Job).where(Job.status.in_(ACTIVE)).order_by(Job.created_at, Job.id)
            jobs = list((await session.execute(query)).scalars())
            interrupted = [job for job in jobs if job.status == JobStatus.RUNNING]
            for job in interrupted:
                job.status = JobStatus.QUEUED
        return jobs, interrupted

    async def active(self) -> list[Job]:
        """Every unfinished job, by id."""
        async with self.db.session() as session:
            return list((await session.execute(select(Job).where(Job.status.in_(ACTIVE)).order_by(Job.id))).scalars())

    async def ended_since(self, since) -> list[Job]:
        """Jobs cancelled or failed (with a message for the person) since ``since``, by id."""
        ended = Job.status.in_([JobStatus.CANCELLED, JobStatus.FAILED]) & (Job.finished_at >= since)
        told = Job.error_code.is_(None) | (Job.error_code != "undeliverable")
        async with self.db.session() as session:
            return list((await session.execute(select(Job).where(ended & told).order_by(Job.id))).scalars())

    async def start(self, job_id: int, unreachable: set[int]) -> Job | None:
        """Queued → running, one attempt more; None if it is not queued any more. A job for a chat
        Telegram refused a result to is not painted: it fails as undeliverable."""
        async with self.db.session() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None or job.status != JobStatus.QUEUED:
                return None
            if job.chat_id in unreachable:
                job.status, job.finished_at, job.error_code = JobStatus.FAILED, utcnow(), "undeliverable"
                log.info("job %s skipped: chat %s cannot be reached", job_id, job.chat_id)
                return None
            job.status, job.started_at, job.attempts = JobStatus.RUNNING, utcnow(), job.attempts + 1
        log.info("job %s started", job_id, extra={"job_id": job_id, "user_id": job.user_id, "status": "running"})
        return job

    async def replace_spec(self, job_id: int, spec: dict) -> dict:
        """A queued job's spec, rerouted: the new one is stored."""
        async with self.db.session() as session, session.begin():
            (await session.get(Job, job_id)).spec = spec
        return spec

    async def reroute(self, job: Job, offered: set[str], host: Host) -> bool:
        """A restored job whose mode this host's engines no longer ``offered`` (an instant picture, its
        networks gone) becomes what its mode says this host paints instead (the quickest painting), in
        its row (``job.spec`` too); False when it stays as it is."""
        mode = (job.spec or {}).get("mode")
        if mode in offered:
            return False
        instead = modes.get(mode).elsewhere(JobSpec.from_dict(job.spec), host)
        if instead is None:
            return False
        job.spec = await self.replace_spec(job.id, instead.to_dict())
        log.info("job %s: no engine here paints %s any more; painted as %s", job.id, mode, instead.mode)
        return True

    async def requeue(self, job_id: int) -> None:
        """Its engine died under it: queued again, for another attempt."""
        async with self.db.session() as session, session.begin():
            (await session.get(Job, job_id)).status = JobStatus.QUEUED

    async def finish(self, job_id: int, status: JobStatus, **fields) -> Job | None:
        async with self.db.session() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None:
                return None
            job.status, job.finished_at = status, utcnow()
            for key, value in fields.items():
                setattr(job, key, value)
        seconds = (as_utc(job.finished_at) - as_utc(job.started_at)).total_seconds() if job.started_at else None
        extra = {"job_id": job_id, "user_id": job.user_id, "status": str(status), "seconds": seconds}
        if job.error_code:
            extra["error_code"] = job.error_code
        log.info("job %s %s", job_id, status, extra=extra)
        return job

    # ---------------------------------------------------------------- between replicas (workers mode)
    async def request_cancel(self, job_id: int) -> bool:
        """A follower's cancel: recorded for the leader to carry out; False if the job is over."""
        async with self.db.session() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None or not JobStatus(job.status).active:
                return False
            job.cancel_requested_at = utcnow()
        return True

    async def queued_except(self, known: set[int]) -> list[Job]:
        """Queued jobs other replicas added, by id."""
        async with self.db.session() as session:
            query = select(Job).where(Job.status == JobStatus.QUEUED, Job.id.not_in(known)).order_by(Job.id)
            return list((await session.execute(query)).scalars())

    async def take_cancel_requests(self) -> list[int]:
        """Unfinished jobs whose cancel a follower recorded; the requests are cleared."""
        async with self.db.session() as session, session.begin():
            query = select(Job).where(Job.status.in_(ACTIVE), Job.cancel_requested_at.is_not(None))
            jobs = list((await session.execute(query)).scalars())
            for job in jobs:
                job.cancel_requested_at = None
        return [job.id for job in jobs]
