"""The one place the Application is built: handlers, resources at post_init, cleanup at post_shutdown."""

from __future__ import annotations

import logging

from sqlalchemy import select
from telegram import BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from . import admin_commands, gallery, groups, handlers
from .admin import Permissions
from .config import Config
from .files import FileCache
from .health import HealthServer
from .jobs import Dispatcher
from .request import RetryingRequest
from .storage import Database, User

log = logging.getLogger(__name__)
COMMANDS = [
    BotCommand("start", "What I do and how"),
    BotCommand("new", "Start over"),
    BotCommand("status", "Your photo, styles and job"),
    BotCommand("cancel", "Stop your picture"),
    BotCommand("settings", "This chat's defaults"),
    BotCommand("queue", "Who is waiting"),
    BotCommand("stylize", "In groups: reply to a photo to repaint it"),
    BotCommand("presets", "The gallery of paintings to pick from"),
]
ADMIN_COMMANDS = [
    BotCommand("set", "Change a default for this chat"),
    BotCommand("unset", "Back to the global default"),
]
OWNER_COMMANDS = [
    BotCommand("addpreset", "Add a painting to the gallery (photo caption)"),
    BotCommand("delpreset", "Remove a painting from the gallery"),
    BotCommand("stats", "Jobs today, queue, failures"),
    BotCommand("ban", "Stop a user from using the bot"),
    BotCommand("unban", "Let a banned user back in"),
]


def build_application(config: Config) -> Application:
    builder: ApplicationBuilder = (
        Application.builder()
        .token(config.token)
        .rate_limiter(AIORateLimiter(max_retries=3))
        # PTB's own default pool for bot calls is 256 connections; keep it, adding retries.
        .request(RetryingRequest(connection_pool_size=256))
    )
    if config.api_base_url:
        builder = builder.base_url(config.api_base_url).base_file_url(config.api_file_url)
    builder = builder.post_init(_post_init).post_shutdown(_post_shutdown)
    application = builder.build()
    application.bot_data["config"] = config
    admin_commands.register(application)  # before handlers': its catch-all answers unknown commands
    gallery.register(application)
    groups.register(application)
    handlers.register(application)
    return application


async def _post_init(application: Application) -> None:
    config: Config = application.bot_data["config"]
    db = Database(config.database_url)
    await db.migrate()
    cache = FileCache(config.files_dir)
    dispatcher = Dispatcher(
        application.bot,
        db,
        cache,
        weights=config.engine_weights,
        device=config.engine_device,
        progress_interval=config.progress_interval,
        group_interval=config.group_interval,
        time_limit=config.job_time_limit,
    )
    async with db.session() as session:
        banned = set((await session.execute(select(User.id).where(User.banned.is_(True)))).scalars())
    application.bot_data["services"] = handlers.Services(
        config,
        db,
        cache,
        dispatcher,
        albums=handlers.album_handler(application),
        group_albums=groups.album_handler(application),
        permissions=Permissions(config.owners),
        banned=banned,
    )
    await dispatcher.start()
    if config.health_port is not None:
        application.bot_data["health"] = HealthServer(application.bot_data["services"], port=config.health_port)
        await application.bot_data["health"].start()
    await set_command_menus(application, config)
    log.info("bot @%s ready", application.bot.username)


async def set_command_menus(application: Application, config: Config) -> None:
    """Everyone sees the user commands; group admins also the admin ones; owners (in their chat with the bot) all."""
    bot = application.bot
    await bot.set_my_commands(COMMANDS, scope=BotCommandScopeDefault())
    await bot.set_my_commands(COMMANDS + ADMIN_COMMANDS, scope=BotCommandScopeAllChatAdministrators())
    for owner in config.owners:
        try:
            await bot.set_my_commands(COMMANDS + ADMIN_COMMANDS + OWNER_COMMANDS, scope=BotCommandScopeChat(owner))
        except TelegramError as exc:  # the owner has not opened a chat with the bot yet
            log.warning("no owner command menu for %s: %s", owner, exc)


async def _post_shutdown(application: Application) -> None:
    health: HealthServer | None = application.bot_data.get("health")
    if health is not None:
        await health.stop()
    svc: handlers.Services | None = application.bot_data.get("services")
    if svc is None:
        return
    await svc.dispatcher.stop()
    await svc.db.close()
