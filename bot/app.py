"""The one place the Application is built: handlers, resources at post_init, cleanup at post_shutdown."""

from __future__ import annotations

import logging

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from . import handlers
from .config import Config
from .files import FileCache
from .jobs import Dispatcher
from .storage import Database

log = logging.getLogger(__name__)
COMMANDS = [
    BotCommand("start", "What I do and how"),
    BotCommand("new", "Start over"),
    BotCommand("status", "Your photo, styles and job"),
    BotCommand("cancel", "Stop your picture"),
]


def build_application(config: Config) -> Application:
    builder: ApplicationBuilder = Application.builder().token(config.token).rate_limiter(AIORateLimiter(max_retries=3))
    if config.api_base_url:
        builder = builder.base_url(config.api_base_url).base_file_url(config.api_file_url)
    builder = builder.post_init(_post_init).post_shutdown(_post_shutdown)
    application = builder.build()
    application.bot_data["config"] = config
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
    )
    application.bot_data["services"] = handlers.Services(
        config, db, cache, dispatcher, handlers.album_handler(application)
    )
    await dispatcher.start()
    await application.bot.set_my_commands(COMMANDS)
    log.info("bot @%s ready", application.bot.username)


async def _post_shutdown(application: Application) -> None:
    svc: handlers.Services | None = application.bot_data.get("services")
    if svc is None:
        return
    await svc.dispatcher.stop()
    await svc.db.close()
