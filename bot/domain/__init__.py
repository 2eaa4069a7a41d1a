"""Pure rules of the bot — drafts, chat settings, permissions, quotas, quality — testable without Telegram."""
