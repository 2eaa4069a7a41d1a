"""The one place the Application is built: THE routing table, resources at post_init, cleanup at post_shutdown."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select
from telegram import BotCommandScopeAllChatAdministrators, BotCommandScopeChat, BotCommandScopeDefault
from telegram import Update as _Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from worker.client import EngineClient
from worker.queue import dsn

from . import i18n
from .config import Config
from .domain.languages import Languages
from .domain.permissions import Permissions
from .features import admin, buttons, gallery, groups, inline, language, one_picture, pictures, private, queue
from .jobs.dispatcher import Dispatcher
from .jobs.leadership import Leadership
from .menus import ADMIN_COMMANDS, COMMANDS, DESCRIPTION, MENU_LANGUAGES, OWNER_COMMANDS, SHORT_DESCRIPTION, menu
from .ops.health import HealthServer
from .services import Services
from .storage import Database, User, patiently, unavailable, when_reachable
from .telegram.callbacks import Action, pattern
from .telegram.files import FileCache, clip_in, picture_in
from .telegram.inbox import SETTLE, PictureInbox, kept_press
from .telegram.request import RATE_LIMIT_RETRIES, RateLimiter, RetryingRequest
from .telegram.update_order import PerChatOrder

log = logging.getLogger(__name__)
FRESH = ~filters.UpdateType.EDITED
PRIVATE = filters.ChatType.PRIVATE & FRESH
GROUPS = filters.ChatType.GROUPS & FRESH
PICTURES = filters.PHOTO | filters.Document.IMAGE
#: Moving pictures: a video, an animation (a GIF), a round video note, a video sent as a file.
CLIPS = filters.VIDEO | filters.ANIMATION | filters.VIDEO_NOTE | filters.Document.VIDEO
#: Everything else a person can send in a private chat (text, stickers, voice, location, polls …),
#: but not service messages.
ANYTHING_ELSE = ~filters.StatusUpdate.ALL


class PaintbotApplication(Application):
    """PTB's Application, crossing each handled picture message off the inbox (bot.telegram.inbox),
    and not waiting for a busy group's turn once it is told to stop."""

    async def stop(self) -> None:
        if isinstance(self.bot.rate_limiter, RateLimiter):
            self.bot.rate_limiter.stop_waiting()  # (stop() waits for every update being handled)
        await super().stop()

    async def process_update(self, update: object) -> None:
        svc: Services | None = self.bot_data.get("services")
        if svc is not None and isinstance(update, _Update):
            i18n.use(language.of_update(update, svc.languages))  # this update's task, and what it starts
        try:
            await super().process_update(update)
        finally:
            if svc is not None and svc.inbox is not None and isinstance(update, _Update):
                await _cross_off(svc, update)


async def _cross_off(svc: Services, update: _Update) -> None:
    """A handled update kept in the inbox is crossed off (only picture and clip messages and job
    presses are kept: nothing to cross off for the rest)."""
    message, query = update.message, update.callback_query
    if message is not None and (picture_in(message) or clip_in(message)):
        collectors = (svc.albums, svc.group_albums)
        if not (message.media_group_id and any(c is not None and c.collecting(message) for c in collectors)):
            await _crossed_off(svc, lambda: svc.inbox.done(message.chat_id, [message.message_id]))
    elif query is not None and kept_press(query.data):
        await _crossed_off(svc, lambda: svc.inbox.pressed(update.update_id))


async def _crossed_off(svc: Services, cross_off) -> None:
    # crossed off even when the database went for a moment (waited out): left in the inbox, an
    # update answered now would be handled again at the next start
    try:
        await cross_off()
    except Exception as exc:
        if not unavailable(exc):
            raise
        svc.dispatcher.background.run(when_reachable(cross_off))


def routes() -> list[tuple[int, object]]:
    """Every handler, in the order PTB tries them (first match wins within a group)."""
    return [
        # group -3: an update from nobody (a channel post, a malformed payload) is skipped quietly
        (-3, TypeHandler(_Update, pictures.skip_anonymous)),
        # group -2: a banned user's updates stop here, before anything else
        (-2, TypeHandler(_Update, admin.refuse_banned)),
        # group -1: a command or a button ends a mode's command waiting for its picture
        (-1, TypeHandler(_Update, one_picture.end_waiting)),
        # a group upgraded to a supergroup: everything moves to the new chat id
        (0, MessageHandler(filters.StatusUpdate.MIGRATE, groups.on_migrate)),
        # admin and owner commands
        (0, CommandHandler("settings", admin.settings_command, filters=FRESH)),
        (0, CommandHandler("set", admin.set_command, filters=FRESH)),
        (0, CommandHandler("unset", admin.unset_command, filters=FRESH)),
        (0, CommandHandler("stats", admin.stats_command, filters=FRESH)),
        (0, CommandHandler("ban", admin.ban_command, filters=FRESH)),
        (0, CommandHandler("unban", admin.unban_command, filters=FRESH)),
        # gallery
        (0, MessageHandler(FRESH & PICTURES & gallery.ADD_CAPTION, gallery.add_command)),
        (0, CommandHandler("addpreset", gallery.add_command, filters=FRESH)),
        (0, CommandHandler("delpreset", gallery.del_command, filters=FRESH)),
        (0, CommandHandler("presets", gallery.presets_command, filters=FRESH)),
        (0, CallbackQueryHandler(gallery.on_pick, pattern=pattern(Action.PICK))),
        (0, CallbackQueryHandler(gallery.on_story, pattern=pattern(Action.STORY))),
        # the modes' commands (bot.modes): on a picture (caption or reply), or ask for one; everywhere
        (0, MessageHandler(FRESH & PICTURES & one_picture.CAPTION, one_picture.caption)),
        (0, CommandHandler(one_picture.COMMANDS, one_picture.command, filters=FRESH)),
        # groups: /stylize on a photo, styles in reply to the bot
        (0, CommandHandler("stylize", groups.stylize_command, filters=GROUPS)),
        (0, MessageHandler(GROUPS & (PICTURES | CLIPS) & groups.STYLIZE_CAPTION, groups.stylize_caption)),
        (0, MessageHandler(GROUPS & PICTURES & filters.REPLY, groups.on_reply_picture)),
        (0, MessageHandler(GROUPS & CLIPS & filters.REPLY, groups.on_reply_clip)),
        # everywhere
        (0, CommandHandler("queue", queue.queue_command, filters=FRESH)),
        (0, CommandHandler("language", language.language_command, filters=FRESH)),
        (0, CallbackQueryHandler(language.on_pick, pattern=pattern(Action.LANGUAGE))),
        (0, CommandHandler(["start", "help"], private.help_command, filters=FRESH)),
        # /stylize is the group flow; in a private chat it is answered with how it works here
        (0, CommandHandler("stylize", private.help_command, filters=PRIVATE)),
        (0, CommandHandler("new", private.new_command, filters=FRESH)),
        (0, CommandHandler("cancel", private.cancel_command, filters=FRESH)),
        (0, CommandHandler("status", private.status_command, filters=FRESH)),
        # private chats: pictures, then anything else gets a one-line answer
        (0, MessageHandler(PRIVATE & PICTURES, private.on_picture)),
        (0, MessageHandler(PRIVATE & CLIPS, private.on_clip)),
        (0, MessageHandler(PRIVATE & filters.COMMAND, private.unknown_command)),
        (0, MessageHandler(PRIVATE & ANYTHING_ELSE, private.not_a_picture)),
        # every other button: drafts, ▶, ✖, 📄, 🔀 (stale or malformed ones are answered there)
        (0, CallbackQueryHandler(buttons.on_button)),
        (0, InlineQueryHandler(inline.on_inline_query)),
    ]


def build_application(
    config: Config,
    engine: EngineClient | None = None,
    instant: EngineClient | None = None,
    *,
    video: EngineClient | None = None,
    webhook: bool = False,
) -> Application:
    """The bot, ready to run. ``engine``: how pictures are painted (default: a local engine process);
    ``instant``: who paints instant pictures and sketches (default: a second, light process — none
    when ``engine`` is given alone); ``video``: who paints clips (default: a third light process,
    or with workers the workers that offer clips — none when ``engine`` is given alone)."""
    builder: ApplicationBuilder = (
        Application.builder()
        .token(config.token)
        # A 429 says when to try again; a painting or an answer is worth that wait: with 3 retries a
        # burst of 429s (benchmarks/chaos.py) lost finished paintings.
        .rate_limiter(RateLimiter(max_retries=RATE_LIMIT_RETRIES))
        # PTB's own default pool for bot calls is 256 connections; keep it, adding retries.
        .request(RetryingRequest(connection_pool_size=256))
        .application_class(PaintbotApplication)
        .concurrent_updates(PerChatOrder())  # a busy chat never holds up the others
    )
    # Long polling gets its own connection, as PTB's default; ours skips updates it cannot read and
    # keeps picture messages in the inbox before PTB confirms them to Telegram. A webhook has no
    # Updater: bot.ops.webhook feeds the Application.
    updates_request = None if webhook else RetryingRequest()
    builder = builder.updater(None) if webhook else builder.get_updates_request(updates_request)
    if config.api_base_url:
        builder = builder.base_url(config.api_base_url).base_file_url(config.api_file_url)
    builder = builder.post_init(_post_init).post_shutdown(_post_shutdown)
    application = builder.build()
    application.bot_data["config"] = config
    application.bot_data["engine"] = engine
    application.bot_data["quick_engine"] = instant
    application.bot_data["clip_engine"] = video
    application.bot_data["updates_request"] = updates_request
    for group, handler in routes():
        application.add_handler(handler, group=group)
    application.add_error_handler(private.on_error)
    return application


def _default_engine(config: Config) -> EngineClient:
    if config.engine == "workers":
        from worker.remote import RemoteEngine
        from worker.store import DirectoryStore

        return RemoteEngine(
            config.database_url, DirectoryStore(config.files_dir), stale_after=config.worker_stale_after
        )
    from engine.modes import painted_with
    from engine.modes.base import MASK, VGG19
    from worker.local import LocalEngine

    # Instant pictures are the instant process's: this one need not load those networks too.
    # (stickers too, where there is no instant process to make them: they need only the mask network)
    return LocalEngine(weights=config.engine_weights, device=config.engine_device, modes=painted_with({VGG19, MASK}))


def _default_instant(config: Config) -> EngineClient:
    """A second, light engine process for instant pictures (onnxruntime, no torch): a long painting
    never holds up the first picture someone sees after ▶."""
    from engine.modes import painted_with
    from engine.modes.base import INSTANT_NETS, MASK
    from worker.local import LocalEngine

    return LocalEngine(
        device=config.engine_device, start_timeout=60.0, modes=painted_with({INSTANT_NETS, MASK}, quick=True)
    )


def _default_video(config: Config, engine: EngineClient) -> EngineClient:
    """Who paints clips: with workers, the same client (its workers that offer clips); else a light
    process of its own (the instant networks, no torch), so a clip never holds up an instant picture."""
    if config.engine == "workers":
        return engine
    from engine.modes import painted_with
    from engine.modes.base import INSTANT_NETS, MASK, VIDEO_FAMILY
    from worker.local import LocalEngine

    clips = painted_with({INSTANT_NETS, MASK}, family=VIDEO_FAMILY)  # the clips of the instant networks
    return LocalEngine(device=config.engine_device, start_timeout=60.0, modes=clips)


async def _banned(db: Database) -> set[int]:
    async with db.session() as session:
        return set((await session.execute(select(User.id).where(User.banned.is_(True)))).scalars())


async def _post_init(application: Application) -> None:
    config: Config = application.bot_data["config"]
    db = Database(config.database_url)
    await db.migrate()
    cache = FileCache(config.files_dir)
    languages = Languages()
    await patiently(lambda: languages.load(db))  # (started as PostgreSQL restarts: waited for)
    engine = application.bot_data.get("engine")
    # Tests hand in their own engines; without one, the bot runs both of its own.
    instant = application.bot_data.get("quick_engine") or (None if engine else _default_instant(config))
    video = application.bot_data.get("clip_engine")
    if engine is None:
        engine = _default_engine(config)
        video = video or _default_video(config, engine)
    dispatcher = Dispatcher(
        application.bot,
        db,
        cache,
        engine,
        instant=instant,
        video=video,
        presets=config.presets,
        progress_interval=config.progress_interval,
        group_interval=config.group_interval,
        time_limit=config.job_time_limit,
        languages=languages,
        leadership=Leadership(dsn(config.database_url)) if config.engine == "workers" else None,
        stale_after=config.worker_stale_after,
    )
    banned = await patiently(lambda: _banned(db))
    inbox = PictureInbox(db, sure=application.bot_data["updates_request"] is None)
    if application.bot_data["updates_request"] is not None:  # long polling (a webhook records its own)
        application.bot_data["updates_request"].on_updates = inbox.record
    application.bot_data["services"] = Services(
        config,
        db,
        cache,
        dispatcher,
        albums=pictures.album_handler(application, private.accept),
        group_albums=pictures.album_handler(application, groups.accept_styles),
        permissions=Permissions(config.owners),
        banned=banned,
        inbox=inbox,
        languages=languages,
    )
    if config.engine == "workers":  # a /ban on another replica reaches this one within 5 s
        dispatcher.refreshers.append(lambda: _reload_bans(application.bot_data["services"]))
    await dispatcher.start()
    # pictures and presses that came just before a restart; with replicas, a second look once the
    # live ones have handled theirs (bot.telegram.inbox.SETTLE)
    settle = SETTLE if config.engine == "workers" else timedelta(0)
    await _replay(application, inbox, settle)
    if settle:
        dispatcher.background.run(_replay(application, inbox, settle, after=settle.total_seconds()))
    if config.health_port is not None:
        application.bot_data["health"] = HealthServer(application.bot_data["services"], port=config.health_port)
        await application.bot_data["health"].start()
    await set_command_menus(application, config)
    log.info("bot @%s ready", application.bot.username)


async def _replay(application: Application, inbox: PictureInbox, settle: timedelta, after: float = 0) -> None:
    await asyncio.sleep(after)
    for payload in await patiently(lambda: inbox.pending(settle)):
        await application.update_queue.put(_Update.de_json(payload, application.bot))


async def _reload_bans(svc: Services) -> None:
    async with svc.db.session() as session:
        banned = set((await session.execute(select(User.id).where(User.banned.is_(True)))).scalars())
    svc.banned.clear()  # the same set every handler reads, replaced in one step (no await between)
    svc.banned.update(banned)


async def set_command_menus(application: Application, config: Config) -> None:
    """Everyone sees the user commands; group admins also the admin ones; owners (in their chat with the
    bot) all — each in every language (Telegram shows a user the menu for their app's language), with
    the bot's description and short description."""
    bot = application.bot
    for ours, code in {"en": None, **MENU_LANGUAGES}.items():
        with i18n.using(ours):
            await bot.set_my_commands(menu(COMMANDS), scope=BotCommandScopeDefault(), language_code=code)
            await bot.set_my_commands(
                menu(COMMANDS, ADMIN_COMMANDS), scope=BotCommandScopeAllChatAdministrators(), language_code=code
            )
            await bot.set_my_description(i18n.gettext(DESCRIPTION), language_code=code)
            await bot.set_my_short_description(i18n.gettext(SHORT_DESCRIPTION), language_code=code)
    languages: Languages = application.bot_data["services"].languages
    for owner in config.owners:
        with i18n.using(languages.person(owner)):
            try:
                await bot.set_my_commands(
                    menu(COMMANDS, ADMIN_COMMANDS, OWNER_COMMANDS), scope=BotCommandScopeChat(owner)
                )
            except TelegramError as exc:  # the owner has not opened a chat with the bot yet
                log.warning("no owner command menu for %s: %s", owner, exc)


async def _post_shutdown(application: Application) -> None:
    health: HealthServer | None = application.bot_data.get("health")
    if health is not None:
        await health.stop()
    svc: Services | None = application.bot_data.get("services")
    if svc is None:
        return
    await svc.dispatcher.stop()
    await svc.db.close()
    svc.cache.inspector.close()
