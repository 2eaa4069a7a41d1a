"""Stickers, the bot's mode: 🏷 under a painting (or a painted clip) makes it a sticker — the
painted person cut out on transparency (engine.modes.sticker) — sent as a sticker and kept in the
person's own sticker set (bot.telegram.stickers). Started only by its button, never from a draft."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from engine.results import NO_SUBJECT
from worker.protocol import Done, JobSpec, Media

from ..domain.policy import Policy
from ..i18n import N_, Text
from ..telegram.callbacks import Action, data
from .base import BotMode, Order

BUTTON = Text(N_("🏷 Sticker"))
MAKING = Text(N_("🏷 Making your sticker…"))
HERE = Text(N_("{name}, here is your sticker."))
ON_ITS_WAY = Text(N_("🏷 The sticker of this painting is on its way."))
ALREADY_MADE = Text(N_("🏷 This painting is a sticker already — here it is again."))
WHOLE = Text(N_("🧍 I can't find a person or subject here, so the sticker is the whole picture."))
#: What 🏷 turns into a sticker: pictures of these modes, and clips of these (a video sticker).
FROM_PICTURES = ("style", "instant")
FROM_CLIPS = ("video", "paintclip")


def sticker_button(job_id: int) -> InlineKeyboardButton:
    """🏷 under a result: a sticker of it (bot.features.stickers)."""
    return InlineKeyboardButton(BUTTON(), callback_data=data(Action.STICKER, job_id))


class StickerMode(BotMode):
    name = "sticker"
    icon = "🏷"
    media = Media.STICKER
    WORKING = MAKING
    GROUP_RESULT = HERE

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        return {}

    def order(self, policy: Policy, inputs: dict, request_id: int | None, gamma: float = 0.5, given=None) -> Order:
        """A sticker of a painting (``inputs``: the painting, and the photo its subject is found on);
        a painted clip's is a video sticker."""
        clip = inputs["picture"].media != Media.PICTURE
        return Order(self.name, inputs, {}, request_id, Media.VIDEO_STICKER if clip else Media.STICKER)

    def caption(self, spec: JobSpec, done: Done, n_styles: int) -> str:
        """Under the sticker: why it is the whole picture, if it is (the set's line is the sender's)."""
        return WHOLE() if NO_SUBJECT in done.warnings else ""

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([])


MODE = StickerMode()
