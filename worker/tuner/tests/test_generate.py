"""generate: batching does not change an image, an OOM halves the batch once; exact mode keeps the product's
own pixels and latents, beside tuned scenes of the same batch."""

from __future__ import annotations

import numpy as np
import torch
from conftest import Capture, make_layer
from PIL import Image

from scenebooth_tuner.generate import plan, run_generate
from scenebooth_tuner.images import load_layer, png_metadata
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


def test_exact_mode_keeps_the_products_pixels_and_leaves_a_tuned_scene_of_its_batch_alone(tmp_path):
    layer = make_layer(tmp_path / "layer.png")
    plain = run_generate(spec(tmp_path / "plain", batch_size=4), Progress(Capture()))
    mixed = run_generate(spec(tmp_path / "mixed", batch_size=4, layers=[str(layer), None]), Progress(Capture()))

    images = mixed["images"]
    assert [i["mode"] for i in images] == ["exact", "exact", "tuned", "tuned"]
    assert images[0]["layer"] == str(layer.resolve()) and "layer" not in images[2]
    # No weights: the base model, which does not know the identifier; the tuned scene keeps its prompt.
    assert images[0]["prompt"] == "a candle on top of a wooden floor"
    assert images[2]["prompt"] == plain["images"][2]["prompt"] == "a candle <mycandle> on a shelf"
    assert [png_metadata(i["path"])["mode"] for i in images] == ["exact", "exact", "tuned", "tuned"]

    a, b = pixels(plain), pixels(mixed)
    assert all(x.shape == (768, 768, 3) for x in b)
    for k in (2, 3):  # the same seeds in the same batch: the tuned scene is drawn as without layers
        assert np.abs(a[k] - b[k]).max() <= 2
    rgba = np.asarray(load_layer(layer), dtype=np.int16)
    product, inside, outside = rgba[..., :3], rgba[..., 3] == 255, rgba[..., 3] == 0
    for k in (0, 1):
        diff = np.abs(b[k] - product).mean(-1)
        assert diff[inside].mean() < 1 and diff[outside].mean() > 20  # the product's own pixels; a scene around
        assert np.abs(b[k] - a[k])[outside].mean() > 2  # painted around the product, not the plain scene
    assert np.abs(b[0] - b[1])[outside].mean() > 2  # each seed its own scene


def test_the_blend_leaves_the_products_clean_latents_under_its_matte(tmp_path):
    """In latent space, before any decoding or pasting: where the matte is full the last step's latents are
    the product's own, and a tuned item of the same batch is untouched."""
    from scenebooth_tuner.models import load_diffusion
    from scenebooth_tuner.profiles import get_profile
    from scenebooth_tuner.runtime import runtime_for
    from scenebooth_tuner.sampling import encode_product, make_pipeline, render

    profile = get_profile("tiny")
    rt = runtime_for(profile)
    pipe = make_pipeline(load_diffusion(profile, rt))
    product = encode_product(pipe, rt, load_layer(make_layer(tmp_path / "layer.png")), profile.resolution)
    full, empty = product.mask[0, 0] == 1, product.mask[0, 0] == 0
    assert full.any() and empty.any() and product.latents.shape[-2:] == full.shape

    def latents(products):
        prompts, seeds = ["a candle on a shelf"] * 2, [4, 5]
        kw = dict(resolution=profile.resolution, steps=4, guidance_scale=7.5, batch_size=2, output_type="latent")
        return [x for _, x in render(pipe, rt, prompts, seeds, products=products, **kw)]

    plain, blended = latents(None), latents([product, None])
    assert torch.equal(blended[0][:, full], product.latents[0][:, full])
    assert not torch.equal(blended[0][:, empty], product.latents[0][:, empty])
    assert torch.equal(blended[1], plain[1])
