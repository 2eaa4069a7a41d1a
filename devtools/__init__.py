"""Developer tools: the Telegram Bot API double (tests, benchmarks, trying the bot without Telegram)."""
