"""The CUDA path. Skipped where there is no NVIDIA GPU (CI); on a GPU machine: ``pytest tests/engine/test_cuda.py``
and ``make gpu-check`` (every mode; benchmarks/gpu_check.py)."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from engine import Engine, StyleSettings
from engine.judge import distances

needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU")


@pytest.fixture(scope="module")
def cpu_engine():
    return Engine(device="cpu")


def _judge(engine, result, content, style):
    return distances(engine.network(("relu5_1",)), result.image, content, style)


@needs_gpu
@pytest.mark.parametrize("precision", ["fp32", "tf32", "bf16"])
def test_gpu_pictures_are_as_close_as_the_cpu_ones(cpu_engine, shared_images, precision):
    content, style = Image.open(shared_images / "tubingen.jpg"), Image.open(shared_images / "starry_night.jpg")
    settings = StyleSettings(size=128, steps=40, seed=0)
    on_cpu = cpu_engine.stylize(content, [style], settings)
    on_gpu = Engine(device="cuda", precision=precision).stylize(content, [style], settings)
    assert on_gpu.device.startswith("cuda") and on_gpu.image.size == on_cpu.image.size
    cpu_d, gpu_d = _judge(cpu_engine, on_cpu, content, style), _judge(cpu_engine, on_gpu, content, style)
    print(precision, cpu_d, gpu_d)
    assert gpu_d.content <= cpu_d.content * 1.15 and gpu_d.style <= cpu_d.style * 1.15


@needs_gpu
def test_out_of_gpu_memory_paints_smaller_with_a_warning(shared_images):
    engine = Engine(device="cuda")
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(1.5 * 2**30 / total)  # 1.5 GiB: 4096 px cannot fit
    try:
        result = engine.stylize(
            shared_images / "tubingen.jpg", [shared_images / "starry_night.jpg"], StyleSettings(size=4096, steps=2)
        )
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    assert max(result.image.size) < 4096
    assert result.codes and "instead" in result.warnings[0].text
    print(result.warnings, result.image.size)


def test_the_gpu_check_says_in_one_line_that_there_is_no_gpu(monkeypatch, capsys):
    """``make gpu-check`` on a machine without one: a line saying so, exit status 2, nothing run."""
    if torch.cuda.is_available():
        pytest.skip("there is a GPU here: make gpu-check runs")
    from benchmarks import gpu_check

    monkeypatch.setattr("sys.argv", ["gpu_check"])
    assert gpu_check.main() == 2
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "no NVIDIA GPU" in out
