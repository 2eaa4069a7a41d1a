"""Persistence: SQLAlchemy 2 models, an async database handle, and Alembic migrations at start."""

from .db import Database
from .models import Base, Chat, Job, JobStatus, Preset, Session, Setting, SettingChange, User, as_utc

__all__ = [
    "Base",
    "Chat",
    "Database",
    "Job",
    "JobStatus",
    "Preset",
    "Session",
    "Setting",
    "SettingChange",
    "User",
    "as_utc",
]
