"""What handlers share: configuration, database, file cache, the job dispatcher, album collectors."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from .config import Config
from .domain.chat_settings import Resolved, effective, host_defaults
from .domain.languages import Languages
from .domain.permissions import Permissions
from .domain.policy import Host
from .jobs.dispatcher import Dispatcher
from .storage import Database
from .telegram.albums import AlbumCollector, PersonLocks
from .telegram.files import FileCache
from .telegram.inbox import PictureInbox


@dataclass
class Services:
    config: Config
    db: Database
    cache: FileCache
    dispatcher: Dispatcher
    albums: AlbumCollector | None = None  #: private chats: photo + styles as one album
    group_albums: AlbumCollector | None = None  #: groups: styles as an album in reply to the prompt
    permissions: Permissions = field(default_factory=lambda: Permissions(()))
    banned: set[int] = field(default_factory=set)  #: user ids, kept in step with the users table
    person_locks: PersonLocks = field(default_factory=PersonLocks)
    inbox: PictureInbox | None = None
    languages: Languages = field(default_factory=Languages)

    def host(self) -> Host:
        """What this host paints with now (its device, whether instant pictures run, the presets)."""
        return Host(
            self.dispatcher.device, self.dispatcher.instant_available, self.config.presets, self.config.print_size
        )

    async def chat_settings(self, chat_id: int | None) -> dict[str, Resolved]:
        """The settings in effect in a chat (None: globally), with this host's built-in defaults."""
        instant, device = self.dispatcher.instant_available, self.dispatcher.device
        return await effective(self.db, chat_id, host_defaults(chat_id, instant, device))


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]
