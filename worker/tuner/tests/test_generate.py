"""generate: batching does not change an image, an OOM halves the batch once."""

from __future__ import annotations

import numpy as np
import torch
from conftest import Capture
from PIL import Image

from scenebooth_tuner.generate import run_generate
from scenebooth_tuner.progress import Progress
from scenebooth_tuner.spec import parse_generate


def spec(out, **extra):
    return parse_generate(
        {
            "profile": "tiny",
            "class_noun": "candle",
            "scenes": [3, "on a shelf"],
            "num_images": 2,
            "steps": 6,
            "seed": 21,
            "output_dir": str(out),
            **extra,
        }
    )


def pixels(result) -> list[np.ndarray]:
    return [np.asarray(Image.open(img["path"]), dtype=np.int16) for img in result["images"]]


def test_an_image_depends_on_its_prompt_and_seed_not_on_its_batch(tmp_path):
    alone = run_generate(spec(tmp_path / "b1", batch_size=1), Progress(Capture()))
    together = run_generate(spec(tmp_path / "b4", batch_size=4), Progress(Capture()))
    assert [i["seed"] for i in alone["images"]] == [21, 22, 21, 22]
    a, b = pixels(alone), pixels(together)
    for x, y in zip(a, b, strict=True):
        # same starting noise and prompt; batched matmuls may round differently in the last bits
        assert np.abs(x - y).max() <= 2
    assert np.abs(a[0] - a[1]).max() > 2  # while another seed gives another image


def test_oom_halves_the_batch_once(tmp_path, monkeypatch):
    """CUDA OOM cannot be caused on CPU: a fake makes the first UNet call raise torch's OOM error."""
    from diffusers import UNet2DConditionModel

    real_forward = UNet2DConditionModel.forward
    calls = {"n": 0}

    def forward_that_runs_out_of_memory_once(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.OutOfMemoryError("CUDA out of memory (fake)")
        return real_forward(self, *args, **kwargs)

    monkeypatch.setattr(UNet2DConditionModel, "forward", forward_that_runs_out_of_memory_once)
    stream = Capture()
    result = run_generate(spec(tmp_path, batch_size=4), Progress(stream))
    assert result["batch_size"] == 2 and len(result["images"]) == 4
    assert [e["code"] for e in stream.events if e["event"] == "warning"] == ["oom_retry"]
