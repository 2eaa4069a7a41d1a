"""``python -m bot``: run the bot with long polling until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import os
import sys

from .config import Config, ConfigError


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
        build_application(config).run_polling(allowed_updates=["message", "callback_query"])
    except InvalidToken:
        print("error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather.", file=sys.stderr)
        return 2
    except Exception as exc:  # start-up failed (database, engine process …): the log has the details
        logging.getLogger("bot").exception("the bot stopped")
        print(f"error: the bot stopped: {exc}".replace(config.token, "<token>"), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
