"""generate: batching does not change an image, an OOM halves the batch once."""

from __future__ import annotations

import numpy as np
import torch
from conftest import Capture
from PIL import Image

from scenebooth_tuner.generate import plan, run_generate
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


def test_a_request_is_drawn_in_ceil_n_over_batch_calls_of_the_configured_size(tmp_path, monkeypatch):
    import scenebooth_tuner.generate as generate

    calls = []
    make = generate.make_pipeline

    def counting_pipeline(diffusion):
        pipe = make(diffusion)

        def call(**kwargs):
            calls.append(len(kwargs["prompt"]))
            return pipe(**kwargs)

        return call

    monkeypatch.setattr(generate, "make_pipeline", counting_pipeline)
    monkeypatch.setenv("SCENEBOOTH_GEN_BATCH", "3")
    # 2 scenes x 4 images, no batch in the spec: the configured 3 per call, every scene's images together.
    result = run_generate(spec(tmp_path, num_images=4), Progress(Capture()))
    assert calls == [3, 3, 2] and result["batch_size"] == 3 and len(result["images"]) == 8


def test_a_background_prompt_is_the_scene_alone(tmp_path):
    """product false (augmentation backgrounds): no class noun or identifier is put in the prompt."""
    items = plan(spec(tmp_path, scenes=["an empty  oak shelf"], num_images=1, product=False))
    assert [i["prompt"] for i in items] == ["an empty oak shelf"]
    assert plan(spec(tmp_path, scenes=["on a shelf"], num_images=1))[0]["prompt"] == "a candle <mycandle> on a shelf"
