"""An operator's window: ``/healthz`` for liveness probes, ``/metrics`` for Prometheus.

Served by aiohttp on ``HEALTH_PORT`` inside the bot's own event loop, so it answers exactly
when the bot can: a stuck loop fails the probe.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from ..storage import Job, JobStatus, as_utc

log = logging.getLogger(__name__)


class _Snapshot:
    """The numbers one scrape reports, gathered (async) just before prometheus_client reads them."""

    def __init__(self):
        self.values: dict = {}

    def collect(self):
        v = self.values
        yield _gauge("paintbot_queue_length", "Jobs waiting to be painted.", v["queue"])
        yield _gauge("paintbot_running_jobs", "Jobs being painted now (up to the slots).", v["running"])
        yield _gauge(
            "paintbot_engine_alive",
            "1 while the engine process runs (workers: while this replica is in step).",
            v["engine_alive"],
        )
        yield _gauge("paintbot_worker_slots", "Workers mode: jobs the live workers can paint at once.", v["slots"])
        yield _gauge("paintbot_leading", "Workers mode: 1 on the replica that paints and notifies.", v["leading"])
        yield _gauge("paintbot_last_job_seconds", "Wall time of the last finished job.", v["last_job_seconds"])
        yield _gauge("paintbot_uptime_seconds", "Seconds since the bot started.", v["uptime"])
        jobs = GaugeMetricFamily("paintbot_jobs", "Jobs in the database, by status.", labels=["status"])
        for status in JobStatus:
            jobs.add_metric([status.value], v["jobs"].get(status.value, 0))
        yield jobs


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class HealthServer:
    def __init__(self, services, host: str = "0.0.0.0", port: int = 8080):
        self.services, self.host, self.port = services, host, port
        self.started = time.monotonic()
        self._snapshot = _Snapshot()
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self._snapshot)
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start serving; returns the port (useful when asked for port 0)."""
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _engine_alive(self) -> bool:
        return self.services.dispatcher.engine_alive

    async def healthz(self, request: web.Request) -> web.Response:
        queue = self.services.dispatcher.queue
        alive = self._engine_alive()
        body = {
            "status": "ok" if alive else "engine down",
            "engine_alive": alive,
            "queue": len(queue.waiting),
            "running": len(queue.running_jobs),
        }
        dispatcher = self.services.dispatcher
        if dispatcher.leadership is not None:  # workers mode
            body |= {"worker_slots": dispatcher.worker_slots, "leading": dispatcher.leading}
        return web.json_response(body, status=200 if alive else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        queue = self.services.dispatcher.queue
        async with self.services.db.session() as session:
            counts = dict((await session.execute(select(Job.status, func.count()).group_by(Job.status))).all())
            last = (
                await session.execute(
                    select(Job.started_at, Job.finished_at)
                    .where(Job.status == JobStatus.DONE, Job.started_at.is_not(None))
                    .order_by(Job.finished_at.desc())
                    .limit(1)
                )
            ).first()
        self._snapshot.values = {
            "queue": len(queue.waiting),
            "running": len(queue.running_jobs),
            "engine_alive": int(self._engine_alive()),
            "slots": self.services.dispatcher.worker_slots or 0,
            "leading": int(self.services.dispatcher.leading),
            "last_job_seconds": (as_utc(last[1]) - as_utc(last[0])).total_seconds() if last else 0.0,
            "uptime": time.monotonic() - self.started,
            "jobs": {str(k): v for k, v in counts.items()},
        }
        return web.Response(body=generate_latest(self._registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
