"""What style transfer minimises (Gatys et al. 2016): content + mixed style + total variation.

Above ``paint_size`` (the *detail* sizes) the composition and colours are settled: there the
picture must stay what the painting was when shrunk back to the painting's size (a pixel anchor,
cheap and exact), and only the shallow layers' Gram matrices (brush texture, edges) are matched.
A detail step runs the network only to relu3_1 — under half a full step — which is what lets a
CPU paint at phone size. Each size past the painting's starts with the photo's lines and edges of
that scale drawn in, and holds them weakly at relu2_1: thin things (cables, hair, spectacles) come
back at full size and are painted over.

Faces found on the photo (engine.faces) are held closer to it: their relu4_2 features count more,
the deep style layers (the style's eyes, hands, letters) see less of them, and their light and
shade, a few pixels across, stay the photo's — painted with the style's strokes and colours.

A detail size too large for the machine's memory is measured and differentiated in tiles
(engine.objectives.tiles): the same loss and gradient, so the same picture.

An objective knows its targets and terms; *how* it is minimised (sizes, optimiser, clamping, CUDA
graphs, out-of-memory retries) is the runner's business (engine.optimize.runner).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from PIL import Image

from ..colors import keep_colors
from ..imaging import fit_size, resize
from ..layers import LAYER_INDEX
from ..optimize.runner import upsample
from ..optimize.schedule import DETAIL_COST
from ..results import Losses
from ..settings import StyleSettings
from ..tensors import image_to_tensor
from .losses import ContentLoss, FeatureLoss, MaskedStyleLoss, StyleLoss, TVLoss, WeightedContentLoss
from .mixing import StyleBalancer, mix_proportions, style_coefficients
from .tiles import Tiled

#: A detail size needs the style picture at least this many times larger (see ``steps_at``).
STYLE_PIXELS = 1.4
#: The detail sizes' anchor weight at the default balance (α/β = 1/10); it follows α/β, so a subtle
#: strength adds less new texture. Measured on tubingen + starry_night (benchmarks/full_size.py).
ANCHOR_WEIGHT = 1e3
#: The detail sizes' smoothing, against the painting's: neighbouring pixels of a larger picture differ
#: less, and with the painting's own weight the first trials (256 → 1024 px) left a fine grain.
DETAIL_TV = 3.0
#: Painting by region: how strongly a kept region holds to the photo's own pixels (a mean squared error
#: of 1e-3, about 8/255 rms, costs as much as the whole content loss at its start).
KEEP_WEIGHT = 1e3
# Faces (engine.faces, a 0…1 map over the photo) and fine structure: the constants were chosen by
# eye and by engine.judge on two pairs, astronaut + The Scream and Grace Hopper + Seated Nude
# (docs/engine.md, "Faces, fine detail and the style's objects"; benchmarks/portraits.py).
#: How much more a face's relu4_2 features count in the content loss (1 + this × the map).
FACE_CONTENT = 10.0
#: How much less of a face the deep style layers see (1 − this × the map): relu4_1 and relu5_1 carry
#: the style's things (eyes, hands, letters); a face keeps the style's strokes and colours.
FACE_STYLE = 0.7
DEEP_LAYERS = ("relu4_1", "relu5_1")
#: A face's light and shade, averaged over 4×4 pixels, held to the photo's while it is painted: the
#: eyes and mouth keep their shape (no dark smudges from the style's strokes), the strokes stay.
FACE_LIGHT = 300.0
#: The detail sizes see the photo's fine structure at this shallow layer, weakly everywhere
#: (FINE_WEIGHT) and more in a face (FACE_DETAIL) …
FINE_LAYER = "relu2_1"
FINE_WEIGHT = 2.0
FACE_DETAIL = 12.0
#: … and each size past the painting's starts with the photo's lines and edges of that scale drawn
#: in: its grey levels less those of the size before, shrunk by FINE_EDGE (the photo's grain and
#: JPEG noise stay out), at FINE_BACK of their strength. At 0.8 and no shrinking the windows and
#: cables came back and the picture looked like a tinted photo (style distance 0.21 → 0.34).
FINE_BACK = 0.35
FINE_EDGE = 0.06
#: A print's edge layers: where its style picture is smaller than the print needs, these see it at
#: no more than 1/1.4 of its own pixels (sharp), the deeper detail layer at the painting's scale.
PRINT_SHARP = ("relu1_1", "relu2_1")


class StyleObjective:
    """Content loss at the photo's features, one Gram loss per style (mixed by γ), TV smoothing;
    at the detail sizes a pixel anchor to the painting, shallow Gram losses, TV.

    By region (``settings.region`` and the subject's ``mask``, engine.regions), after Gatys et al.
    (2017): each style's Gram matrices are taken over its region's features only, and a kept region
    is held to the photo's pixels at every size — the painting forms around it, not pasted on."""

    def __init__(
        self,
        net,
        settings: StyleSettings,
        content: Image.Image,
        styles: list[Image.Image],
        init_image=None,
        mask: Image.Image | None = None,
        faces: Image.Image | None = None,
    ):
        self.net, self.settings = net, settings
        self.faces = faces  #: where the photo's faces are (engine.faces.weights), or None
        self.face: torch.Tensor | None = None  #: … at the current size, (1, 1, H, W)
        self.content_losses: list[tuple[str, ContentLoss]] = []
        self.photo_losses: list[tuple[str, ContentLoss]] = []
        self.tiled: Tiled | None = None  #: a size too large for memory, in tiles (engine.objectives.tiles)
        self.face_light: tuple[torch.Tensor, torch.Tensor] | None = None  #: (where, the photo's light), 1/4 size
        self.content_img, self.style_imgs, self.init_img = content, styles, init_image
        self.device = net.device
        self.layers = sorted(set(settings.content_layers + settings.style_layers), key=LAYER_INDEX.__getitem__)
        self.proportions = mix_proportions(settings.gamma, len(styles), settings.style_weights)
        self.mask = mask if settings.region != "whole" else None
        if self.mask is not None and settings.region == "split":  # each style has its region whole
            self.proportions = (0.5, 0.5)
        self.keep: tuple[torch.Tensor, torch.Tensor] | None = None  #: (where, photo) at the current size
        # A style with no say costs nothing: γ ∈ {0, 1} runs exactly like a one-style job.
        self.active = [i for i, p in enumerate(self.proportions) if p > 0]
        self.alpha, self.beta = settings.weights
        self.tv = TVLoss()
        self.balancer: StyleBalancer | None = None
        self.coefficients: torch.Tensor | None = None
        self.detail_from = settings.detail_from
        self.detail = False  #: whether the current size is a detail size
        self.anchor: torch.Tensor | None = None  #: the painting at its own size, once detail begins

    # ---------------------------------------------------------------- sizes and targets
    def canvas(self, side: int) -> tuple[int, int]:
        """(width, height) of the picture at longest side ``side``: the photo's aspect."""
        return fit_size(self.content_img.size, side)

    def step_cost(self, size: tuple[int, int]) -> float:
        """A step's cost at ``size`` relative to a full one (the runner's ETA; engine.optimize.schedule)."""
        return DETAIL_COST if self._is_detail(size) else 1.0

    def steps_at(self, side: int, steps: int) -> int:
        """No detail where the style has none to give: at a detail size whose style picture would be
        shown at more than 1/1.4 of its own pixels, the previous size is only enlarged (matching a
        photo of a painting at its own resolution copied its JPEG and canvas grain: style distance
        0.64–1.07 against 0.25 at 1.4×, tubingen + starry_night)."""
        if self.detail_from is None or side <= self.detail_from or self.settings.grown_from:
            return steps  # (a print always paints: its style pictures are shown no larger than they can be)
        need = side * self.detail_scale * STYLE_PIXELS
        return steps if all(max(self.style_imgs[i].size) >= need for i in self.active) else 0

    @property
    def detail_scale(self) -> float:
        """The style picture's scale at the detail sizes: the brush's, but never larger than the
        picture's own (bold strokes are set by the painting; the detail sizes add their texture)."""
        return min(self.settings.stroke_scale, self.settings.style_scale)

    @property
    def guarded(self) -> bool:
        """At a detail size the start is already a fine picture, and L-BFGS from it can overshoot
        into noise in one step (measured: 10 → 2000 with a Wolfe line search, 11 → 44 without): the
        runner takes back any step that makes the loss worse."""
        return self.detail

    @property
    def graphable(self) -> bool:
        """A CUDA graph would record one tile loop; a size in tiles runs eagerly."""
        return self.tiled is None

    @property
    def keeps_best(self) -> bool:
        """A painting's size ends with the best picture it saw: with the shallow layers weighted most
        (DEFAULT_LAYER_WEIGHTS) L-BFGS can overshoot late in a size (at 64 px the loss fell for 13
        steps, then jumped from 2.7 to 6.6). Taking each such step back, as at the detail sizes,
        restarted L-BFGS from its tiny first step again and again. Not with two styles balanced
        while they paint: there the objective itself changes between steps."""
        return self.balancer is None

    def _is_detail(self, size: tuple[int, int]) -> bool:
        """Above the painting's size; a print's every size (its first is the finished painting)."""
        if self.detail_from is None:
            return False
        return max(size) > self.detail_from or self.settings.grown_from is not None

    def set_targets(self, size: tuple[int, int]) -> None:
        s = self.settings
        self.detail = self._is_detail(size)
        if self.faces is not None:
            self.face = image_to_tensor(resize(self.faces.convert("RGB"), size), self.device)[:, :1]
        self.face_light = None
        self.tiled = self._tiling(size) if self.detail else None
        if self.detail:
            style_layers = s.detail_layers
            weights = tuple(1.0 / len(style_layers) for _ in style_layers)
            self.content_losses = []
            self.photo_losses = self._photo_losses(size)
            fine = [layer for layer, _ in self.photo_losses]
            self.layers = sorted(set(style_layers + tuple(fine)), key=LAYER_INDEX.__getitem__)
        else:
            style_layers, weights = s.style_layers, s.layer_weights
            content = image_to_tensor(resize(self.content_img, size), self.device)
            feats = self.net(content, s.content_layers, s.pooling)
            self.content_losses = [(layer, self._content_loss(feats[layer], layer)) for layer in s.content_layers]
            self.content_tensor = content
            if self.face is not None and FACE_LIGHT > 0 and min(size) >= 8:
                self.face_light = (F.avg_pool2d(self.face, 4), F.avg_pool2d(content.mean(1, keepdim=True), 4))
        style_side = max(16, round(max(size) * (self.detail_scale if self.detail else s.stroke_scale)))
        areas = self._regions(size) if self.mask is not None else None
        self.style_losses: dict[int, list[tuple[str, float, StyleLoss]]] = {}
        for i in self.active:
            style_img = self.style_imgs[i]
            style = image_to_tensor(resize(style_img, fit_size(style_img.size, style_side)), self.device)
            feats = self._seen(style, style_layers)
            sharp = max(16, round(max(style_img.size) / STYLE_PIXELS))
            if self.detail and s.grown_from and sharp < style_side:
                # a print, its style smaller than the print would need: the stroke layer (relu3_1) sees
                # it at the painting's scale, enlarged — the same strokes, not finer ones — and the edge
                # layers at no more than 1/1.4 of its own pixels, where its edges are sharp
                small = image_to_tensor(resize(style_img, fit_size(style_img.size, sharp)), self.device)
                feats.update(self._seen(small, PRINT_SHARP))
            self.style_losses[i] = [
                (layer, weight, self._style_loss(feats[layer], layer, None if areas is None else areas[i]))
                for layer, weight in zip(style_layers, weights)
            ]
            del feats, style

    def _tiling(self, size: tuple[int, int]) -> Tiled | None:
        """Tiles where a detail size would not fit this machine's memory (or ``settings.tile`` asks)."""
        from ..memory import tile_side

        side = self.settings.tile or tile_side(self.device, size)
        return Tiled(self.net, self.settings.pooling, side) if side and side < max(size) else None

    def _seen(self, style: torch.Tensor, layers) -> dict[str, torch.Tensor]:
        """A style picture's features at ``layers`` — its Gram matrices, tile by tile, when tiled."""
        return self.net(style, layers, self.settings.pooling) if self.tiled is None else self.tiled.grams(style, layers)

    def _content_loss(self, target: torch.Tensor, layer: str) -> ContentLoss:
        """The photo's features held everywhere, and a face's FACE_CONTENT times more."""
        if self.face is None:
            return ContentLoss(target)
        return WeightedContentLoss(target, 1.0 + FACE_CONTENT * at_layer(self.face, layer))

    def _photo_losses(self, size: tuple[int, int]) -> list[tuple[str, ContentLoss]]:
        """At a detail size: the photo's fine structure, weakly everywhere and more in a face."""
        fine = FINE_WEIGHT * self.settings.fine_detail
        if fine <= 0 and self.face is None:
            return []
        photo = image_to_tensor(resize(self.content_img, size), self.device)
        if self.tiled is not None:
            target = self.tiled.features(photo, FINE_LAYER)
        else:
            target = self.net(photo, (FINE_LAYER,), self.settings.pooling)[FINE_LAYER]
        weight = torch.full((1, 1, *photo.shape[2:]), fine, device=self.device)
        if self.face is not None:
            weight = weight + FACE_DETAIL * self.face
        return [(FINE_LAYER, WeightedContentLoss(target, at_layer(weight, FINE_LAYER)))]

    def _style_loss(self, features: torch.Tensor, layer: str, area: torch.Tensor | None) -> StyleLoss | MaskedStyleLoss:
        """A style's Gram loss at ``layer``: over its region (``area``, or everywhere), and at a deep
        layer over less of a face."""
        if self.face is not None and layer in DEEP_LAYERS and FACE_STYLE > 0:
            seen = 1.0 - FACE_STYLE * self.face
            area = seen if area is None else area * seen
        return StyleLoss(features) if area is None else MaskedStyleLoss(features, at_layer(area, layer))

    def _regions(self, size: tuple[int, int]) -> list[torch.Tensor]:
        """Each style's region at ``size`` as a (1, 1, H, W) weight, and the kept region with the photo."""
        from ..regions import kept, painted

        def tensor(alpha: Image.Image) -> torch.Tensor:
            return image_to_tensor(resize(alpha.convert("RGB"), size), self.device)[:, :1]

        where = kept(self.settings.region, self.mask)
        photo = self.content_tensor if not self.detail else image_to_tensor(resize(self.content_img, size), self.device)
        self.keep = None if where is None else (tensor(where), photo)
        return [tensor(area) for area in painted(self.settings.region, self.mask, len(self.style_imgs))]

    def upsample(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """The previous size's picture enlarged; entering the detail sizes, the painting becomes the
        anchor and each style loss is measured afresh (it starts at 1 at every detail size)."""
        if self.detail and self.anchor is None:
            self.anchor = image.detach().clone()
        image = self.enlarge(image, size) if self.detail else upsample(image, size)
        if self.detail:
            _, styles, _ = self.terms(image)
            fresh = [self.proportions[i] / max(float(styles[i]), 1e-12) for i in self.active]
            self.coefficients.copy_(torch.tensor(fresh, device=self.device))
        return image

    def enlarge(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """A picture enlarged past the painting's size, with the photo's own detail of the new
        scale: its grey levels at ``size`` less the same at the size before (what an enlargement
        cannot invent — cables, hair, window bars). The detail sizes then paint over it."""
        before = (image.shape[3], image.shape[2])
        image = upsample(image, size)
        back = FINE_BACK * self.settings.fine_detail
        if back <= 0:
            return image
        photo = image_to_tensor(resize(self.content_img, size), self.device).mean(1, keepdim=True)
        coarse = upsample(F.interpolate(photo, size=(before[1], before[0]), mode="area"), size)
        fine = photo - coarse
        fine = fine.sign() * (fine.abs() - FINE_EDGE).clamp_min(0.0)  # lines and edges, not the photo's grain
        return (image + back * fine).clamp_(0.0, 1.0)

    def initial_image(self, size: tuple[int, int]) -> torch.Tensor:
        s = self.settings
        if s.init == "content":
            return self.content_tensor.clone()
        if s.init in ("image", "instant"):  # instant: the painter made init_img with the instant networks
            start = image_to_tensor(resize(self.init_img, size), self.device)
            if self.detail:  # a print: the finished painting is where it starts and what it holds to
                self.anchor = start.clone()
        else:  # noise, drawn on the CPU so a seed gives the same start on every device
            generator = torch.Generator().manual_seed(s.seed) if s.seed is not None else None
            start = torch.rand((1, 3, size[1], size[0]), generator=generator).to(self.device)
        if self.keep is not None:  # a kept region starts as the photo
            where, photo = self.keep
            start = where * photo + (1 - where) * start
        return start

    def begin(self, image: torch.Tensor, steps_per_size: list[int]) -> Losses:
        """Fix the style coefficients from the losses at the starting image (see objectives.mixing)."""
        s = self.settings
        terms = self.terms(image)
        # A tensor, changed in place by the balancer, so that a captured CUDA graph sees new values.
        self.coefficients = torch.tensor(
            style_coefficients(
                [float(terms[1][i]) for i in self.active], [self.proportions[i] for i in self.active], s.calibrate
            ),
            device=self.device,
        )
        if self.detail:  # a print: each style's loss starts at its share, as at any detail size
            fresh = [self.proportions[i] / max(float(terms[1][i]), 1e-12) for i in self.active]
            self.coefficients.copy_(torch.tensor(fresh, device=self.device))
        start = self.summary(*terms, self.total(*terms))
        if s.calibrate and len(self.active) >= 2 and not self.detail:
            # One balancer over every size of the painting, steering the whole job's relative improvement.
            sides = [side for side, _ in s.schedule]
            painting = [
                n for side, n in zip(sides, steps_per_size) if self.detail_from is None or side <= self.detail_from
            ]
            shares = [self.proportions[i] for i in self.active]
            total = sum(shares)
            self.balancer = StyleBalancer([start.styles[i] for i in self.active], [p / total for p in shares], painting)
        return start

    # ---------------------------------------------------------------- the objective itself
    @property
    def feature_losses(self) -> list[tuple[str, FeatureLoss]]:
        """Every loss on the network's features, in ``terms``'s order: the photo's, then each style's."""
        styles = [(layer, loss) for terms in self.style_losses.values() for layer, _, loss in terms]
        return [*self.content_losses, *self.photo_losses, *styles]

    def _feature_terms(self, image: torch.Tensor, measured) -> list[torch.Tensor]:
        """Each feature loss at ``image``: from its statistic over the whole picture where that was
        ``measured`` (or is, tile by tile, when tiled), else from one pass of the network."""
        losses = self.feature_losses
        if measured is None and self.tiled is not None:
            measured = self.tiled.measure(image, [(layer, loss.part) for layer, loss in losses])
        if measured is not None:
            return [loss.of(statistic) for (_, loss), statistic in zip(losses, measured)]
        feats = self.net(image, self.layers, self.settings.pooling)
        return [loss(feats[layer]) for layer, loss in losses]

    def gradient(self, image: torch.Tensor) -> tuple:
        """A size in tiles: the terms and total at ``image``, its gradient left in ``image.grad``
        (the two passes of engine.objectives.tiles)."""
        losses = self.feature_losses
        with torch.no_grad():
            measured = self.tiled.measure(image, [(layer, loss.part) for layer, loss in losses])
        measured = [statistic.detach().requires_grad_(True) for statistic in measured]
        terms = self.terms(image, measured)
        total = self.total(*terms)
        total.backward()  # into the pixels (anchor, smoothing) and the statistics
        self.tiled.backward(image, losses, [statistic.grad for statistic in measured])
        return (*terms, total)

    def terms(self, image: torch.Tensor, measured=None) -> tuple[torch.Tensor, dict[int, torch.Tensor], torch.Tensor]:
        """Content loss, raw loss of each active style, and TV at ``image`` (``measured``: each
        feature loss's statistic over the whole picture, already summed tile by tile)."""
        values = iter(self._feature_terms(image, measured))
        if self.detail:  # the anchor: the picture shrunk to the painting's size is the painting
            content = F.mse_loss(F.interpolate(image, size=self.anchor.shape[2:], mode="area"), self.anchor)
            if self.photo_losses:  # and the photo's fine structure, in the anchor's units (see total)
                fine = sum(next(values) for _ in self.photo_losses)
                content = content + fine * max(self.beta, 1e-9) / (ANCHOR_WEIGHT * 10.0)
        else:
            content = sum(next(values) for _ in self.content_losses) / len(self.content_losses)
        if self.face_light is not None:  # a face's light and shade, a few pixels across, are the photo's
            where, light = self.face_light
            content = (
                content + FACE_LIGHT * (where * (F.avg_pool2d(image.mean(1, keepdim=True), 4) - light).pow(2)).mean()
            )
        if self.keep is not None:  # the kept region is the photo's, pixel for pixel
            where, photo = self.keep
            held = (where * (image - photo).pow(2)).mean() / where.mean().clamp_min(1e-6)
            content = content + KEEP_WEIGHT / max(self.alpha, 1e-3) * held
        styles = {i: sum(w * next(values) for _, w, _ in terms) for i, terms in self.style_losses.items()}
        return content, styles, self.tv(image)

    def total(self, content, styles, tv):
        style = sum(self.coefficients[k] * styles[i] for k, i in enumerate(self.active))
        if self.detail:
            anchor = ANCHOR_WEIGHT * 10.0 * max(self.alpha, 0.01) / max(self.beta, 1e-9)
            return anchor * content + self.beta * style + DETAIL_TV * self.settings.tv_weight * tv
        return self.alpha * content + self.beta * style + self.settings.tv_weight * tv

    def summary(self, content, styles, tv, total) -> Losses:
        # One transfer from the GPU for all values. A style with no say (γ ∈ {0, 1}) is not evaluated:
        # its loss is reported as NaN.
        keys = sorted(styles)
        values = torch.stack([t.detach().float() for t in (content, tv, total, *(styles[i] for i in keys))]).tolist()
        by_style = dict(zip(keys, values[3:]))
        per_style = tuple(by_style.get(i, float("nan")) for i in range(len(self.style_imgs)))
        return Losses(values[0], per_style, values[1], values[2])

    def after_step(self, step: int, losses: Losses) -> None:
        if self.detail:  # the balance between the styles was struck by the painting
            return
        if self.balancer is not None and self.balancer.update(step, [losses.styles[i] for i in self.active]):
            # L-BFGS keeps its curvature history: the objective moves only a little per
            # checkpoint, and restarting it measured worse (RI ratios 1.08–1.11, higher loss).
            self.coefficients.copy_(torch.tensor(self.balancer.coefficients))

    def finish(self, picture: Image.Image) -> Image.Image:
        return keep_colors(picture, self.content_img) if self.settings.keep_colors else picture


def at_layer(area: torch.Tensor, layer: str) -> torch.Tensor:
    """A region at the resolution of a VGG19 layer: halved (rounding down) by each pooling before it."""
    block = int(layer.removeprefix("relu").removeprefix("conv").split("_")[0])
    h, w = area.shape[2:]
    for _ in range(block - 1):
        h, w = max(1, h // 2), max(1, w // 2)
    return F.interpolate(area, size=(h, w), mode="area") if (h, w) != area.shape[2:] else area
