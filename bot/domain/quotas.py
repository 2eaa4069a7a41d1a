"""Daily quotas and per-user queue limits: when a person may start another picture or clip (whose
seconds are counted too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from engine import modes as engine_modes
from engine.modes.base import CLIP_SECONDS, NOTHING

from .. import texts
from ..storage import Job, JobStatus
from ..storage.models import Delivery
from ..texts import clips as clip_texts

#: Jobs the day's quotas do not count: cancelled, or failed (nothing was delivered).
UNCOUNTED = (JobStatus.CANCELLED, JobStatus.FAILED)


def refusal(waiting: int, today: int, limits: dict, now: datetime | None = None) -> str | None:
    """Why a person with ``waiting`` unfinished and ``today`` pictures today may not start one, or None."""
    if waiting >= limits["queue_per_user"]:
        n = limits["queue_per_user"]
        return texts.ALREADY_RUNNING() if n == 1 else texts.queue_limit(n)
    if today >= limits["jobs_per_user_per_day"]:
        now = now or datetime.now(UTC)
        return texts.daily_limit(limits["jobs_per_user_per_day"], (next_reset(now) - now).total_seconds())
    return None


async def counts(db_session, user_id: int) -> tuple[int, int]:
    """(jobs in the works, jobs today that were not cancelled) of one user. A job whose result is
    being sent is no longer in the works: a person who sees their picture and at once sends the
    next is not told to wait for it. A sticker of a painting is not a painting: it waits like any
    job, but the day's quota counts only what is painted — and a job that failed (the engine could
    not paint it) is not counted: nobody pays for a picture they never got."""
    sending = select(Delivery.job_id).where(Delivery.job_id == Job.id).exists()
    unfinished = Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
    waiting = (
        await db_session.execute(select(func.count()).where(Job.user_id == user_id, unfinished, ~sending))
    ).scalar_one()
    today = (
        await db_session.execute(
            select(func.count()).where(
                Job.user_id == user_id,
                Job.created_at >= day_start(),
                Job.status.not_in(UNCOUNTED),
                func.coalesce(Job.spec["mode"].as_string(), "").not_in(FREE_MODES),
            )
        )
    ).scalar_one()
    return waiting, today


def next_reset(now: datetime | None = None) -> datetime:
    """When today's quota starts over: the next midnight UTC."""
    now = now or datetime.now(UTC)
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def day_start(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


#: The modes whose jobs are clips (their seconds count).
CLIP_MODES = engine_modes.counting(CLIP_SECONDS)
#: The modes whose jobs count against nothing (a sticker of a painting already counted).
FREE_MODES = engine_modes.counting(NOTHING)


def video_refusal(used: float, wanted: float, limits: dict, now: datetime | None = None) -> str | None:
    """Why a clip of ``wanted`` seconds may not be painted by someone who had ``used`` today, or None."""
    limit = limits["video_seconds_per_day"]
    if used + wanted <= limit + 0.5:  # (half a second of rounding is not worth a refusal)
        return None
    now = now or datetime.now(UTC)
    return clip_texts.video_limit(used, limit, wanted, (next_reset(now) - now).total_seconds())


async def video_seconds_today(db_session, user_id: int) -> float:
    """Seconds of video one user has had painted (or waiting) today: what each clip job was set to paint
    (a failed one is not counted)."""
    specs = (
        await db_session.execute(
            select(Job.spec).where(Job.user_id == user_id, Job.created_at >= day_start(), Job.status.not_in(UNCOUNTED))
        )
    ).scalars()
    return sum(
        seconds_of(spec.get("mode"), spec.get("settings") or {}) for spec in specs if spec.get("mode") in CLIP_MODES
    )


def seconds_of(mode: str, settings: dict) -> float:
    """The seconds of video a clip job of ``mode`` with these (stored) settings paints at most."""
    from engine import modes

    return float(settings.get("max_seconds", modes.get(mode).settings().max_seconds))
