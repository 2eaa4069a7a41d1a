"""The bot's handlers, one module per feature; bot.app registers them all in one routing table."""
