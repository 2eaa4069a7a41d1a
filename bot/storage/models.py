"""The bot's tables. The schema itself is owned by Alembic (migrations/); these mirror it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from worker.protocol import JobSpec

from ..gallery import resolve


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their time zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ours(name: str | None, type_: str, _parents=None) -> bool:
    """Alembic's include_name: procrastinate's tables (workers mode) are its own schema, not ours."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict: JSON, list: JSON, datetime: DateTime(timezone=True)}


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(64))  #: what their Telegram app says
    language: Mapped[str | None] = mapped_column(String(16))  #: what they chose with /language (bot.i18n)
    banned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """What one person has sent in one chat (photo, styles) and their choices, until they paint or start over.

    Its inputs are stored by role the way a job's are (worker.protocol): each file with its media
    kind, each style with its weight; ``content_path``, ``style_paths`` and ``gamma`` (the first of
    two styles' share) read and write them. The rules for adding pictures live in
    bot.domain.drafts; this is only the stored row."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("chat_id", "user_id", name="uq_drafts_chat_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    #: {"content": [{"path", "media"(, "seconds", "fps" of a clip)}], "styles": [{"path", "media", "weight"}, …]}
    inputs: Mapped[dict] = mapped_column(default=dict)
    options: Mapped[dict] = mapped_column(default=dict)  #: quality, size, strength, keep_colors, content_message_id
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def files(self, role: str) -> list[dict]:
        return list((self.inputs or {}).get(role, []))

    def _put(self, role: str, files: list[dict]) -> None:
        self.inputs = {**(self.inputs or {}), role: files}  # a new dict, so the change is saved

    @property
    def content_path(self) -> str | None:
        return next((f["path"] for f in self.files("content")), None)

    @content_path.setter
    def content_path(self, path: str | None) -> None:
        self._put("content", [{"path": path, "media": "picture"}] if path else [])

    @property
    def content(self) -> dict | None:
        """The content's whole entry: its path, media kind and, for a clip, what was read of it."""
        return next(iter(self.files("content")), None)

    @content.setter
    def content(self, entry: dict | None) -> None:
        self._put("content", [dict(entry)] if entry else [])

    @property
    def content_media(self) -> str:
        return (self.content or {}).get("media", "picture")

    @property
    def style_paths(self) -> list[str]:
        return [f["path"] for f in self.files("styles")]

    @style_paths.setter
    def style_paths(self, paths: list[str]) -> None:
        """New styles keep the mix by position (the first style's share stays the first's)."""
        share = self.gamma
        self._put("styles", [{"path": p, "media": "picture"} for p in paths])
        self._weigh(share)

    @property
    def gamma(self) -> float:
        styles = self.files("styles")
        return float(styles[0].get("weight", 0.5)) if len(styles) == 2 else (self.options or {}).get("mix", 0.5)

    @gamma.setter
    def gamma(self, share: float) -> None:
        self.options = {**(self.options or {}), "mix": share}  # kept for a second style sent later
        self._weigh(share)

    def _weigh(self, share: float) -> None:
        styles = self.files("styles")
        weights = [share, 1.0 - share] if len(styles) == 2 else [1.0] * len(styles)
        self._put("styles", [{**f, "weight": w} for f, w in zip(styles, weights)])


class Job(Base):
    """One picture to paint: who asked where, the versioned job spec (worker.protocol), and its fate."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_created", "status", "created_at"),
        Index("ix_jobs_user", "user_id"),
        UniqueConstraint("update_id", name="uq_jobs_update"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    spec: Mapped[dict] = mapped_column(default=dict)  #: JobSpec.to_dict(), any version (read with from_dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(32))
    result_path: Mapped[str | None] = mapped_column(Text)
    result_file_id: Mapped[str | None] = mapped_column(Text)
    request_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested_at: Mapped[datetime | None]  #: a replica that is not painting asked the one that is
    #: The update that asked for it (a ▶ press, a picture for a waiting command): one job per update,
    #: however often it is handled (replayed from the inbox after a replica died, on two replicas).
    update_id: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def content_path(self) -> str | None:
        return next(iter(JobSpec.from_dict(self.spec).paths("content")), None)

    @property
    def style_paths(self) -> list[str]:
        return JobSpec.from_dict(self.spec).paths("styles")

    @property
    def n_styles(self) -> int:
        return len(self.style_paths)


class Setting(Base):
    """A default chosen by an admin: scope "global" or a chat id."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_settings_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[dict] = mapped_column()  #: {"value": …} so any JSON value fits
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SettingChange(Base):
    """One admin change of a setting: the audit trail behind /settings."""

    __tablename__ = "setting_changes"
    __table_args__ = (Index("ix_setting_changes_scope", "scope", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    old: Mapped[dict | None] = mapped_column(JSON)  #: {"value": …}, None when it was not set
    new: Mapped[dict | None] = mapped_column(JSON)  #: None when it was unset
    changed_by: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Preset(Base):
    """A painting in the gallery: the Telegram file id to show it, a cached copy to paint with."""

    __tablename__ = "presets"
    __table_args__ = (UniqueConstraint("name", name="uq_presets_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    file_id: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    added_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str | None] = mapped_column(String(128), nullable=True)
    painter: Mapped[str | None] = mapped_column(String(128), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def file_path(self) -> str:
        """The picture to paint with (a starter painting lives in the installed package)."""
        return resolve(self.path)

    @property
    def label(self) -> str:
        """``starry — The Starry Night, Vincent van Gogh (1889)``; just the name when unknown."""
        if not self.title:
            return self.name
        by = f", {self.painter}" if self.painter else ""
        year = f" ({self.year})" if self.year else ""
        return f"{self.name} — {self.title}{by}{year}"


class Inbox(Base):
    """A picture message or a job's button press as Telegram sent it, kept from the moment it is
    fetched until it is handled, so that one caught by a restart (an album being collected, a
    download under way, a ▶ being placed) is handled then."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_inbox_message"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  #: None for a press
    payload: Mapped[dict] = mapped_column()  #: the update, as JSON
    attempts: Mapped[int] = mapped_column(Integer, default=0)  #: times replayed after a restart
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeenUpdate(Base):
    """An update id the webhook has taken: Telegram posts an update again when the answer is slow,
    and any replica may receive the second post."""

    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Delivery(Base):
    """The one send of a job's result: claimed before the picture goes out, so no second copy ever
    does (a retried job whose first worker was only presumed dead, two replicas both leading)."""

    __tablename__ = "deliveries"

    job_id: Mapped[int] = mapped_column(Integer, ForeignKey("jobs.id"), primary_key=True, autoincrement=False)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(128))


class EngineEvent(Base):
    """An event a worker reported (worker.protocol, as JSON), until the painting replica has read it."""

    __tablename__ = "engine_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EngineWorker(Base):
    """A worker process that paints (python -m worker): what it offers and when it last said so."""

    __tablename__ = "engine_workers"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    slots: Mapped[int] = mapped_column(Integer)
    device: Mapped[str] = mapped_column(String(32))
    modes: Mapped[str] = mapped_column(Text)  #: space-separated mode names
    load_seconds: Mapped[float] = mapped_column(Float)
    seconds_per_unit: Mapped[float | None] = mapped_column(Float, nullable=True)  #: as it timed itself
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
