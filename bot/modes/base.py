"""What a bot mode is: everything the bot knows of one kind of job, in one place — its command,
the input roles it takes (read from the engine's mode), its prompts and texts, how a policy
becomes its settings, the buttons under its result and what they change, its caption, whether
its card gets a sketch first, and which media it delivers. Routes, menus, delivery, the card and
the keyboards go through :data:`bot.modes.MODES`; a new mode is one engine module, one module here
and its catalog strings."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from engine import modes as engine_modes
from worker.protocol import Done, JobSpec, Media, Progress

from .. import texts
from ..domain.policy import Policy
from ..i18n import N_, Text
from ..telegram.callbacks import Action, data

PAINTING = Text(N_("🎨 Painting…"))


@dataclass(frozen=True)
class Order:
    """What someone asked for, as a job to place (bot.features.orders.place): its engine mode, its
    inputs by role, its settings, the message it answers and the media kind it makes."""

    mode: str
    inputs: dict
    settings: dict
    request_id: int | None
    output: Media = Media.PICTURE


HERE_IS_YOUR_PAINTING = Text(N_("{name}, here is your painting."))


class BotMode:
    name: str = ""  #: the engine's mode (engine.modes)
    icon: str = "🎨"
    command: str | None = None  #: ``/command`` on a picture starts it (None: it starts otherwise)
    description: str | None = None  #: its command menu line (a message id)
    media: Media = Media.PICTURE  #: what it delivers
    sketched: bool = False  #: its card shows an instant sketch while it waits and runs (:meth:`sketch`)
    swaps: bool = False  #: 🔀 under its result paints it again with the photo and the style swapped
    quiet: bool = False  #: done in about a second: its card says nothing until the result replaces it
    choices: tuple[str, ...] = ()  #: what the buttons under its result may ask for (:meth:`variant`)
    WORKING: Text = PAINTING  #: the card's word while it runs
    GROUP_RESULT: Text = HERE_IS_YOUR_PAINTING  #: above the result in a group, ``{name}`` mentioned
    PROMPT: Text | None = None  #: asks for its picture (the command sent alone)
    PROMPT_GROUP: Text | None = None  #: the same in a group, ``{name}`` mentioned

    @property
    def roles(self) -> tuple[str, ...]:
        """The inputs its job takes, by role, as the engine's mode declares them."""
        return engine_modes.get(self.name).inputs

    def working(self) -> str:
        return self.WORKING()

    def group_result(self, user_id: int, name: str | None) -> str:
        return self.GROUP_RESULT().format(name=texts.mention(user_id, name))

    def prompt(self, group: bool, user_id: int, name: str | None) -> str:
        if group and self.PROMPT_GROUP is not None:
            return self.PROMPT_GROUP().format(name=texts.mention(user_id, name))
        return self.PROMPT() if self.PROMPT is not None else ""

    def progress(self, event: Progress, left: float | None, sketch: bool) -> str:
        """The card's words while it runs: how far, how long is left."""
        return texts.painting(int(100 * event.fraction), left, sketch, self.working())

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        """A new job's engine settings (the values that differ from the mode's defaults) from the
        chat's ``policy``, the styles' mix and what is ``given`` of its input beyond its pictures (a
        clip's media kind, seconds and rate; the dream a zoom goes on from)."""
        raise NotImplementedError(self.name)

    def order(self, policy: Policy, inputs: dict, request_id: int | None, gamma: float = 0.5, given=None) -> Order:
        """A job of this mode on ``inputs`` (by role), painted as the chat's ``policy`` says."""
        return Order(self.name, inputs, self.settings(policy, gamma, given), request_id, self.media)

    def order_again(self, earlier: JobSpec, policy: Policy, request_id: int | None) -> Order:
        """A job of this mode on an earlier job's inputs (🎨 the instant picture painted properly,
        🎞 a dream's zoom): its mix and settings carried over where this mode has them."""
        gamma = getattr(earlier.mode_settings(), "gamma", 0.5)
        return self.order(policy, dict(earlier.inputs), request_id, gamma, earlier.settings)

    def caption(self, spec: JobSpec, done: Done, n_styles: int) -> str:
        """Under its result: what was made and how long it took (plain text)."""
        raise NotImplementedError(self.name)

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        """The buttons under its result: 📄 the full-size file, unless the mode offers more (``gpu``:
        this host paints on a GPU, where more can be offered)."""
        return InlineKeyboardMarkup([[png_button(job_id)]])

    def elsewhere(self, spec: JobSpec, host) -> JobSpec | None:
        """A queued job as this host paints it when no engine here offers its mode any more (the
        instant networks gone since it was queued), or None: it waits as it is."""
        return None

    def sketch(self, spec: JobSpec, output: str) -> JobSpec | None:
        """The instant picture its card shows while it waits and runs (None: no sketch)."""
        return None

    def variant(self, settings: dict, choice: str, n_styles: int = 1) -> dict | None:
        """A finished job's settings changed by a button under its result (None: no such choice);
        ``n_styles``: how many styles that job had."""
        return None

    @property
    def proper(self) -> str | None:
        """The mode 🎨 under its result paints the same pictures with (the optimisation), or None."""
        return None

    def offered(self, device: str) -> bool:
        """Whether this host paints it when asked from under another result (🎨 needs a GPU for clips)."""
        return True

    def redo_as(self, choice: str) -> str | None:
        """The mode a button under its result starts instead of a variant of this one (🎞 under a
        dream: its zoom), or None."""
        return None

    def prints(self, spec: JobSpec, side: int, host) -> int | None:
        """The print size 🖨 offers under this job's file, whose longest side is ``side`` (None: none)."""
        return None

    def order_print(self, earlier: JobSpec, painting: str, side: int, size: int, request_id: int | None) -> Order:
        """The print of ``earlier``'s result (``painting``), grown from ``side`` to ``size``."""
        raise NotImplementedError(self.name)

    def chosen_already(self, settings: dict, choice: str) -> bool:
        """Whether a button names what this result already has (it would cost a picture for nothing)."""
        return False


def png_button(job_id: int, label: str | None = None) -> InlineKeyboardButton:
    """📄 the result as a file (a PNG; a clip's MP4)."""
    return InlineKeyboardButton(label or texts.BUTTON_PNG(), callback_data=data(Action.PNG, job_id))


BUTTON_PRINT = Text(N_("🖨 Print size · {size} px"))


def print_button(job_id: int, size: int) -> InlineKeyboardButton:
    """🖨 under a result's file (:meth:`BotMode.prints`): it grown to the print size, sent as a file."""
    return InlineKeyboardButton(BUTTON_PRINT().format(size=size), callback_data=data(Action.PRINT, job_id))


def redo_button(job_id: int, label: str, choice: str) -> InlineKeyboardButton:
    """A button under a result that makes another one with ``choice`` changed (:meth:`BotMode.variant`)."""
    return InlineKeyboardButton(label, callback_data=data(Action.REDO, f"{job_id}.{choice}"))


def done_in(mode: BotMode, seconds: float) -> str:
    return f"{mode.icon} " + texts.done_in(seconds)
