"""Persistence: SQLAlchemy 2 models, an async database handle, and Alembic migrations at start."""

from .db import Database, patiently, unavailable, when_reachable
from .models import Base, Chat, Draft, Inbox, Job, JobStatus, Preset, SeenUpdate, Setting, SettingChange, User, as_utc

__all__ = [
    "Base",
    "Chat",
    "Database",
    "Draft",
    "Inbox",
    "Job",
    "JobStatus",
    "Preset",
    "SeenUpdate",
    "Setting",
    "SettingChange",
    "User",
    "as_utc",
    "patiently",
    "unavailable",
    "when_reachable",
]
