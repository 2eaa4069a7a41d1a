"""The Telegram bot: conversations, jobs and settings on top of the engine's job/progress interface."""
