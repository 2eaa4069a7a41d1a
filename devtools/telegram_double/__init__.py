"""A Telegram Bot API double for end-to-end tests: see README.md beside this file."""

from .client import ControlError, DoubleClient, PhoneUser
from .server import TelegramDouble

__all__ = ["ControlError", "DoubleClient", "PhoneUser", "TelegramDouble"]
