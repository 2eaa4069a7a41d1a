"""Style transfer, the bot's own mode: a photo and one or two styles from the draft, ▶, the
painting (Gatys et al., engine.objectives.nst) at the chat's quality — with the instant sketch on
its card first."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from engine.presets import INSTANT_PRESETS, on_gpu, preset
from engine.results import SMALLER
from engine.settings import INSTANT_MAX_SIZE, InstantSettings, StyleSettings, instant_strength
from worker.protocol import Done, Input, JobSpec, Media, non_defaults

from .. import texts
from ..domain.policy import Policy
from ..domain.quality import DEFAULT_OPTIONS, INSTANT, PROPER, REGIONS, STRENGTHS, regions_for
from ..i18n import N_, Text
from ..i18n import gettext as _
from ..limits import PREVIEWS_PER_JOB
from ..telegram.callbacks import Action, data
from ..texts import regions as region_texts
from .base import BotMode, Order, done_in, png_button, redo_button
from .sticker import sticker_button


def plan(policy: Policy, gamma: float) -> StyleSettings | InstantSettings:
    """The engine settings for a draft under ``policy``: its quality's preset for this host's device
    (one instant pass, or the Gatys schedule), size, steps, strength and colours."""
    strength = STRENGTHS.get(policy.strength, STRENGTHS["normal"])
    if policy.quality == INSTANT:
        size = policy.size or int(INSTANT_PRESETS[INSTANT]["size"])
        return InstantSettings(
            size=min(size, policy.max_size, INSTANT_MAX_SIZE),
            gamma=gamma,
            strength=instant_strength(strength),
            keep_colors=policy.keep_colors,
            brush=policy.brush,
            faces=policy.faces,
            region=policy.region,
        )
    presets = policy.host.presets
    quality = policy.quality if policy.quality in presets else DEFAULT_OPTIONS["quality"]
    own = preset(quality, gpu=on_gpu(policy.host.device))
    size, steps = presets[quality]
    size = min(policy.size or size or own.size, policy.max_size)
    steps = policy.steps or steps or own.steps
    settings = own.replace(
        size=size,
        steps=steps,
        gamma=gamma,
        strength=strength,
        keep_colors=policy.keep_colors,
        brush=policy.brush,
        faces=policy.faces,
        region=policy.region,
    )
    return settings.replace(preview_every=max(1, settings.total_steps // PREVIEWS_PER_JOB))


def caption(spec: JobSpec, done: Done, n_styles: int, mode: BotMode) -> str:
    """Under a painting or an instant picture: time, the picture's real size, steps (or "instant"),
    the mix, colours; a warning when it was painted smaller."""
    run = spec.mode_settings()
    instant = isinstance(run, InstantSettings)  # one pass, no steps
    parts = [
        done_in(mode, done.elapsed),
        f"{done.size[0]}×{done.size[1]} px",
        _("instant") if instant else texts.steps(run.total_steps),
    ]
    if n_styles == 2:
        parts.append(_("mix {mix}").format(mix=texts.mix_label(run.gamma)))
    if run.brush != "normal":
        parts.append(texts.BRUSH_NOTES().get(run.brush, run.brush))
    if run.keep_colors:
        parts.append(_("your colours"))
    notes = region_texts.notes(done.warnings, {SMALLER: texts.SMALLER_THAN_ASKED()})
    return "\n".join([" · ".join(parts) + region_texts.tag(run.region), *notes])


def keyboard(
    job_id: int, two_styles: bool, *, instant: bool = False, timelapse: bool = False, region: str = "whole"
) -> InlineKeyboardMarkup:
    """Under a result: 🔁, 📄, 🔀 with two styles; under an instant picture, 🎨 paint it properly first;
    under a painting made with its time-lapse, 🎞 how it was painted; then 🧍 the same again by region
    (all of it again, where it was painted by region)."""
    button = InlineKeyboardButton
    row = [
        button(texts.BUTTON_AGAIN(), callback_data=data(Action.AGAIN)),
        png_button(job_id),
    ]
    if two_styles:
        row.append(button(texts.BUTTON_SWAP_STYLES(), callback_data=data(Action.SWAP_JOB, job_id)))
    rows = [row]
    if instant:
        rows.insert(0, [button(texts.BUTTON_PROPER(), callback_data=data(Action.PROPER, job_id))])
    last = [sticker_button(job_id)]  # 🏷: the painted person, cut out
    if timelapse:
        last.insert(0, button(BUTTON_TIMELAPSE(), callback_data=data(Action.TIMELAPSE, job_id)))
    rows.append(last)
    labels = region_texts.LABELS()
    regions = [
        redo_button(job_id, labels[name], choice)
        for choice, name in regions_for(2 if two_styles else 1).items()
        if name != region
    ]
    rows += [regions[i : i + 2] for i in range(0, len(regions), 2)]
    return InlineKeyboardMarkup(rows)


def region_variant(settings: dict, choice: str, n_styles: int) -> dict | None:
    """🧍 under a picture: the same again with the style somewhere else (None: no such choice here)."""
    offered = regions_for(n_styles)
    return {**settings, "region": offered[choice]} if choice in offered else None


def region_chosen(settings: dict, choice: str) -> bool:
    return REGIONS.get(choice) == settings.get("region", "whole")


#: Pictures in a painting's time-lapse (🎞 under it): three seconds of it forming, then the painting.
TIMELAPSE_PICTURES = 30
BUTTON_TIMELAPSE = Text(N_("🎞 How it was painted"))

#: 🖨 under a painting's file: the print's longest side by device, unless the operator set one
#: (BOT_PRINT_SIZE). A GPU grows it further; the engine refuses a size its machine lacks the memory for.
PRINT_SIZES = {"cpu": 2048, "gpu": 4096}
PRINTED = Text(N_("🖨 Print size"))


def print_size(host) -> int:
    """The longest side of a print on ``host`` (bot.domain.policy.Host)."""
    return host.print_size or PRINT_SIZES["gpu" if on_gpu(host.device) else "cpu"]


def is_print(spec: JobSpec) -> bool:
    return bool(spec.settings.get("grown_from"))


class StyleMode(BotMode):
    name = "style"
    swaps = True
    sketched = True

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        """A painting at the policy's quality (🎨 under an instant picture: the proper one), with its
        time-lapse made beside it."""
        quality = PROPER if policy.quality == INSTANT else policy.quality
        return non_defaults(plan(policy.replace(quality=quality), gamma).replace(timelapse=TIMELAPSE_PICTURES))

    def caption(self, spec: JobSpec, done: Done, n_styles: int) -> str:
        if is_print(spec):
            return " · ".join([PRINTED(), f"{done.size[0]}×{done.size[1]} px", texts.done_in(done.elapsed)])
        return caption(spec, done, n_styles, self)

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        if is_print(spec):  # the file is the end of it
            return InlineKeyboardMarkup([])
        return keyboard(
            job_id,
            n_styles == 2,
            timelapse=bool(spec.settings.get("timelapse")),
            region=spec.settings.get("region", "whole"),
        )

    def variant(self, settings: dict, choice: str, n_styles: int = 1) -> dict | None:
        return region_variant(settings, choice, n_styles)

    def chosen_already(self, settings: dict, choice: str) -> bool:
        return region_chosen(settings, choice)

    def prints(self, spec: JobSpec, side: int, host) -> int | None:
        """The print size 🖨 offers for this job's result of longest side ``side`` (None: not a
        painting that grows — an instant picture, a print, or one as large already)."""
        if is_print(spec) or not isinstance(spec.mode_settings(), StyleSettings):
            return None
        size = print_size(host)
        return size if size > side else None

    def order_print(self, earlier: JobSpec, painting: str, side: int, size: int, request_id: int | None) -> Order:
        """The print of ``earlier``'s painting (``painting``, of longest side ``side``): its own settings
        (strength, brush, faces, region) at the sizes above it, the painting as the start, a file back."""
        run = earlier.mode_settings().replace(size=size, init="image", grown_from=side, timelapse=0)
        run = run.replace(preview_every=max(1, run.total_steps // PREVIEWS_PER_JOB))
        inputs = {**earlier.inputs, "init": (Input(painting),)}
        return Order(self.name, inputs, non_defaults(run), request_id, Media.DOCUMENT)

    def sketch(self, spec: JobSpec, output: str) -> JobSpec | None:
        """The instant picture with the painting's pictures, size, mix, strength and colours (a print
        has none: its card shows the painting growing)."""
        if is_print(spec):
            return None
        settings = InstantSettings.matching(spec.mode_settings())
        return JobSpec(INSTANT, dict(spec.inputs), output, non_defaults(settings))


MODE = StyleMode()
