"""``python -m bot``: run the bot until SIGINT/SIGTERM — with long polling, or by webhook when
WEBHOOK_URL is set (bot.ops.webhook)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from .config import Config, ConfigError
from .limits import ALLOWED_UPDATES


def main() -> int:
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Imported only now, so a missing or malformed token is reported at once.
    from telegram.error import InvalidToken

    from .app import build_application
    from .ops.logs import setup_logging

    setup_logging(config.token, fmt=os.environ.get("LOG_FORMAT", "text"))
    try:
        if config.webhook_url:
            asyncio.run(run_webhook(config))
        else:
            build_application(config).run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        print("error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather.", file=sys.stderr)
        return 2
    except Exception as exc:  # start-up failed (database, engine process …): the log has the details
        logging.getLogger("bot").exception("the bot stopped")
        print(f"error: the bot stopped: {exc}".replace(config.token, "<token>"), file=sys.stderr)
        return 1
    return 0


async def run_webhook(config: Config) -> None:
    """The Application without an Updater, fed by the webhook endpoint, until SIGINT/SIGTERM."""
    from .app import build_application
    from .ops.webhook import WebhookServer

    application = build_application(config, webhook=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:  # initialize … shutdown
        await application.post_init(application)
        await application.start()
        server = WebhookServer(application, config)
        await server.start()
        try:
            await stop.wait()
        finally:
            await server.stop()
            await application.stop()
            await application.post_shutdown(application)


if __name__ == "__main__":
    sys.exit(main())
