"""Run the double on its own: ``python -m devtools.telegram_double --port 8081``."""

import argparse
import asyncio
import contextlib

from .server import TelegramDouble


async def serve(args: argparse.Namespace) -> None:
    double = TelegramDouble(
        token=args.token, bot_username=args.username, privacy_mode=not args.no_privacy, rate_limits=args.rate_limits
    )
    base = await double.start(args.host, args.port)
    print(f"Bot API double on {base}")
    print(f"  PTB:      base_url={double.api_url}  base_file_url={double.file_url}")
    print(f"  token:    {double.token}")
    print(f"  control:  {base}/control/…  (see devtools/telegram_double/README.md)")
    try:
        await asyncio.Event().wait()
    finally:
        await double.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.telegram_double", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-token_for-the-double")
    parser.add_argument("--username", default="paint_test_bot")
    parser.add_argument("--no-privacy", action="store_true", help="groups: deliver every message to the bot")
    parser.add_argument("--rate-limits", action="store_true", help="answer 429 past Telegram's send limits")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
