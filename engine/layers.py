"""VGG19's layers as plain data (no torch): names in order, for settings, the CLI and the network."""

from __future__ import annotations

#: torchvision's configuration "E" (VGG19): output channels of each conv, "M" for a max pooling.
VGG19_CONFIG: tuple[int | str, ...] = (
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    512,
    "M",
)


def _layer_names() -> tuple[str, ...]:
    """Names of the modules of VGG19's ``features``, in order: conv1_1, relu1_1, …, pool5."""
    names, block, conv = [], 1, 1
    for item in VGG19_CONFIG:
        if item == "M":
            names.append(f"pool{block}")
            block, conv = block + 1, 1
        else:
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
            conv += 1
    return tuple(names)


LAYER_NAMES = _layer_names()
LAYER_INDEX = {name: i for i, name in enumerate(LAYER_NAMES)}
CONV_NAMES = tuple(name for name in LAYER_NAMES if name.startswith("conv"))
