"""The bench command on CPU with the tiny shapes (timings are not asserted: benchmarks, not tests)."""

import json
import os
import subprocess
import sys

import pytest

from scenebooth_tuner.bench import LADDER, ladder


def test_bench_writes_its_report(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenebooth_tuner",
            "bench",
            "--out",
            str(out),
            "--iters",
            "1",
            "--variants",
            "baseline,+sdpa,+bf16",
            "--batches",
            "1,2",
            "--results-dir",
            str(tmp_path / "results"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "SCENEBOOTH_THREADS"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    report = json.loads(out.read_text())
    assert events[-1] == {"event": "result", **report}
    assert report["shapes"] == "tiny" and report["device"] == "cpu" and report["resolution"] == 64
    assert [v["name"] for v in report["variants"]] == ["baseline", "+sdpa"]
    assert report["threads"] == 1  # the tiny profile's
    assert report["skipped"] == {"+bf16": "needs CUDA"}
    for row in report["variants"]:
        for key in ("unet_step_ms", "unet_te_step_ms", "lora_step_ms", "generate_4x25_ms"):
            assert row[key] > 0 and row[key.replace("_ms", "_peak_mb")] > 0
    assert report["variants"][1]["switches"] == {
        "sdpa": True,
        "bf16": False,
        "channels_last": False,
        "fused_adamw": False,
        "cached_latents": False,
        "compile": False,
    }
    assert report["effects"][0]["change"] == "+sdpa"

    # The products-per-GPU-hour model, from this run's own measurements (the +sdpa variant's switches).
    measures = report["throughput_measures"]
    assert measures["variant"] == "+sdpa" and set(measures["generate_ms_per_image"]) == {"1", "2"}
    for key in (
        "lora_te_step_ms",
        "class_image_ms",
        "model_load_ms",
        "vae_encode_ms",
        "checkpoint_write_ms",
        "checkpoint_snapshot_ms",
    ):
        assert measures[key] > 0
    model = report["throughput_model"]
    assert model["as_built_row"] == model["tuned_row"] == "+sdpa"
    for profile in ("sd21-lora", "sd21"):
        first = model[profile][0]
        timings = first["inputs"]["timings"]
        measured = report["variants"][1]["lora_step_ms" if profile == "sd21-lora" else "unet_step_ms"]
        assert timings["unet_step_s"] == pytest.approx(measured / 1000)
        assert first["inputs"]["recipe"]["unet_steps"] == 1500 and first["products_per_gpu_hour"] > 0
    fast_lane = model["exact"][0]
    assert fast_lane["inputs"]["timings"]["vae_encode_s"] == pytest.approx(measures["vae_encode_ms"] / 1000)
    assert fast_lane["seconds"]["tuning"] == 0 and fast_lane["s_per_image"] > 0
    written = json.loads((tmp_path / "results" / "gpu-cpu-small.json").read_text())
    assert written == report
    table = (tmp_path / "results" / "gpu-cpu-small.md").read_text()
    assert "## sd21-lora" in table and "## sd21" in table and "products / GPU-hour" in table
    assert "## exact product (issue #19)" in table and "s / image" in table


def test_ladder_is_cumulative_and_device_aware():
    import torch

    cpu = dict(ladder(None, torch.device("cpu")))
    assert list(cpu) == ["baseline", "+sdpa", "+channels_last", "+cached_latents"]
    assert cpu["+cached_latents"].sdpa and cpu["+cached_latents"].channels_last and not cpu["+cached_latents"].bf16
    cuda = dict(ladder(None, torch.device("cuda")))
    assert list(cuda) == [n for n in LADDER if n != "+compile"]
    every = dict(ladder(["all"], torch.device("cuda")))
    assert list(every) == list(LADDER)
    assert every["+compile"].bf16 and every["+compile"].fused_adamw and every["+compile"].cached_latents
