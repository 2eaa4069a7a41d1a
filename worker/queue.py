"""The distributed job queue's shared names: procrastinate on PostgreSQL carries jobs to workers; two
small tables of ours carry what procrastinate does not — the events of a job (progress, result) back
to the bot, and what each worker offers. Both sides of the boundary import this; neither knows the other.
"""

from __future__ import annotations

import json
import re

from .protocol import Event, event_from_dict, event_to_dict

TASK = "paintbot.paint"  #: the one procrastinate task: paint a JobSpec
QUEUE = "paint"  #: the picture family's queue (its name from before there were families)


def queue_for(family: str) -> str:
    """The procrastinate queue of a mode family: a worker listens on those of the modes it offers,
    so a worker that paints only pictures is never handed a video."""
    return QUEUE if family == "picture" else f"{QUEUE}-{family}"


EVENTS_CHANNEL = "paintbot_events"  #: NOTIFY'd on every new event row

INSERT_EVENT = """
WITH e AS (INSERT INTO engine_events (job_id, body, created_at) VALUES (%(job_id)s, %(body)s, now()) RETURNING id)
SELECT pg_notify('paintbot_events', (SELECT id::text FROM e))
"""
# Read per followed job, not "after the last id": rows of different workers commit out of id order,
# but one job's rows are written one after another, so within a job the ids are in order.
SELECT_EVENTS = "SELECT id, job_id, body FROM engine_events WHERE job_id = ANY(%(jobs)s) ORDER BY id"
DELETE_EVENTS = "DELETE FROM engine_events WHERE job_id = %(job_id)s"
DELETE_READ = "DELETE FROM engine_events WHERE id = ANY(%(ids)s)"
HAS_FINAL = """
SELECT count(*) AS n FROM engine_events
WHERE job_id = %(job_id)s AND body::json->>'kind' IN ('done', 'failed', 'cancelled')
"""
# Followed jobs that neither wait nor paint and whose end is not in the table (a worker's report of
# it lost to a long outage), with their procrastinate job's last status (None: it has none).
LOST_ENDS = """
SELECT j AS job_id,
    (SELECT p.status::text FROM procrastinate_jobs p WHERE p.lock = 'paintbot-job-' || j ORDER BY p.id DESC LIMIT 1)
    AS status
FROM unnest(%(jobs)s::text[]) AS j
WHERE NOT EXISTS (
    SELECT 1 FROM procrastinate_jobs p
    WHERE p.lock = 'paintbot-job-' || j AND p.status IN ('todo', 'doing', 'aborting')
) AND NOT EXISTS (
    SELECT 1 FROM engine_events e WHERE e.job_id = j AND e.body::json->>'kind' IN ('done', 'failed', 'cancelled')
)
"""
DATABASE_UP = "SELECT extract(epoch FROM now() - pg_postmaster_start_time())::float AS seconds"
PRUNE_EVENTS = "DELETE FROM engine_events WHERE created_at < now() - make_interval(hours => 24)"
UPSERT_WORKER = """
INSERT INTO engine_workers (name, slots, device, modes, load_seconds, seconds_per_unit, started_at, seen_at)
VALUES (%(name)s, %(slots)s, %(device)s, %(modes)s, %(load_seconds)s, %(seconds_per_unit)s, now(), now())
ON CONFLICT (name) DO UPDATE SET slots = EXCLUDED.slots, device = EXCLUDED.device, modes = EXCLUDED.modes,
    load_seconds = EXCLUDED.load_seconds, seconds_per_unit = EXCLUDED.seconds_per_unit, seen_at = now()
"""
DELETE_WORKER = "DELETE FROM engine_workers WHERE name = %(name)s"
LIVE_WORKERS = """
SELECT name, slots, device, modes, load_seconds, seconds_per_unit FROM engine_workers
WHERE seen_at > now() - make_interval(secs => %(stale)s) ORDER BY name
"""


def dsn(database_url: str) -> str:
    """A libpq connection string from the bot's SQLAlchemy URL (postgresql+asyncpg://… → postgresql://…)."""
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", database_url.strip())
    if not url.startswith("postgresql://"):
        raise ValueError("workers need PostgreSQL: DATABASE_URL=postgresql+asyncpg://user:password@host/db")
    return url


def app(database_url: str, **pool):
    """A procrastinate App on the database (not opened). Imported late: only workers mode needs it."""
    import procrastinate

    connector = procrastinate.PsycopgConnector(conninfo=dsn(database_url), **pool)
    return procrastinate.App(connector=connector)


def lock(job_id: str) -> str:
    """procrastinate's lock for a job: two copies of one job never paint at once."""
    return f"paintbot-job-{job_id}"


def dump(event: Event) -> str:
    return json.dumps(event_to_dict(event))


def load(body: str) -> Event:
    return event_from_dict(json.loads(body))
