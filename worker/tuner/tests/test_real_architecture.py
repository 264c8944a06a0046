"""SD 2.1's real architecture on a CPU (the `sd21-random` test stand-in: SD 2.1's module shapes, random
weights, 64 px): LoRA training, a killed job resumed in a new resident process, sampling. Slow (the 1.3 B
weights are built twice and each step is real work): the `slow` group, which `npm test` runs with the rest."""

from __future__ import annotations

import pytest
from conftest import make_photo
from PIL import Image
from serve_client import ServeClient

pytestmark = pytest.mark.slow

STAND_IN = {"SCENEBOOTH_STAND_IN_PROFILES": "1", "SCENEBOOTH_THREADS": "2"}


def test_sd21_architecture_trains_resumes_after_a_kill_and_generates(tmp_path):
    photos = [make_photo(tmp_path / f"photo{i}.png", seed=i, size=64) for i in range(3)]
    common = {"profile": "sd21-random", "class_noun": "sneaker", "seed": 1}
    train = {
        **common,
        "instances": [{"image": str(p), "caption": "a sneaker on a table"} for p in photos],
        "steps": {"unet": 2, "text_encoder": 1, "adaptive": False},
        "prior": {"enabled": False},
        "checkpoint_every": 1,
        "output_dir": str(tmp_path / "train"),
    }

    # Killed (-9) right after its first checkpoint.
    first = ServeClient(STAND_IN)
    try:
        job = first.submit("train", train)
        for event in first.events(job):
            assert event["event"] != "error", event
            if event["event"] == "checkpoint":
                first.kill()
                break
    finally:
        first.kill()
    assert event["event"] == "checkpoint" and event["step"] == 1

    # A new resident process resumes it, then samples from its weights.
    second = ServeClient(STAND_IN)
    try:
        events = second.run("train", train)
        [resumed] = [e for e in events if e["event"] == "resumed"]
        trained = events[-1]
        assert trained["event"] == "result", trained
        assert (
            resumed["step"] == 1 and trained["resumed_from_step"] == 1 and len(trained["losses"]) == 3
        )  # text encoder 1, UNet 2
        generated = second.result(
            "generate",
            {
                **common,
                "weights": trained["artifact"],
                "scenes": [0],
                "num_images": 1,
                "steps": 2,
                "output_dir": str(tmp_path / "out"),
            },
        )
        stats = second.result("stats")
    finally:
        assert second.close() == 0
    assert Image.open(generated["images"][0]["path"]).size == (64, 64)
    assert stats["loads"] == {"vae": 1, "text_encoder": 1, "unet": 1}
    assert stats["residents"][0]["adapter_layers"] == 0
