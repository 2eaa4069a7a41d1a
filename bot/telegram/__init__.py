"""Telegram plumbing: HTTP with retries, progress cards, albums, keyboards and callback data, files."""
