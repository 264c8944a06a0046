"""Training behaviour: the loss falls, a killed job resumes from its checkpoint and ends as an uninterrupted
one would, a finished job is not redone."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import Capture, run_cli, write_spec

from scenebooth_tuner.progress import Progress
from scenebooth_tuner.spec import parse_train
from scenebooth_tuner.train import run_train


def spec_for(photos, out, **extra) -> dict:
    return {
        "profile": "tiny",
        "class_noun": "vase",
        "instances": [{"image": str(p), "caption": "a vase on a table"} for p in photos],
        "output_dir": str(out),
        **extra,
    }


def test_loss_decreases_over_a_few_dozen_steps(photos, tmp_path):
    spec = parse_train(
        spec_for(
            photos,
            tmp_path,
            mode="full",
            seed=0,
            batch_size=2,
            steps={"unet": 48, "text_encoder": 8, "adaptive": False},
            lr={"unet": 1e-3, "text_encoder": 1e-4},
        )
    )
    losses = np.array(run_train(spec, Progress(io.StringIO()))["losses"])
    assert len(losses) == 8 + 48 and np.isfinite(losses).all()
    first, last = losses[:12].mean(), losses[-12:].mean()
    assert last < 0.85 * first, (first, last)


def test_killed_job_resumes_from_its_checkpoint(photos, tmp_path):
    # LoRA: its checkpoints keep the optimizer's state, so a resumed job is exactly an uninterrupted one (a
    # full-mode checkpoint has none, and restarts AdamW's moments: test_train_speed.py).
    data = spec_for(
        photos,
        tmp_path / "job",
        mode="lora",
        seed=5,
        steps={"unet": 40, "text_encoder": 8, "adaptive": False},
        lr={"unet": 1e-4, "text_encoder": 1e-5},
        checkpoint_every=5,
    )
    spec_path = write_spec(tmp_path / "train.json", data)
    args = [sys.executable, "-m", "scenebooth_tuner", "train", "--spec", str(spec_path)]

    # Run it and SIGKILL it as soon as it reports its first checkpoint (step 5, inside the text-encoder phase:
    # the resumed job crosses into the UNet phase).
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=dict(os.environ))
    killed_after = None
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "checkpoint":
            proc.kill()
            killed_after = event["step"]
            break
    proc.wait(timeout=60)
    assert killed_after == 5
    assert proc.returncode == -9, "the job finished before it could be killed"
    assert not (tmp_path / "job" / "result.json").exists()

    resumed = run_cli("train", data, tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    [event] = resumed.of("resumed")
    assert 5 <= event["step"] < 48
    result = resumed.last
    assert result["resumed_from_step"] == event["step"] and len(result["losses"]) == 8 + 40

    # The same spec run uninterrupted (another folder) takes exactly the same steps.
    whole = run_train(parse_train({**data, "output_dir": str(tmp_path / "whole")}), Progress(io.StringIO()))
    assert whole["resumed_from_step"] is None
    np.testing.assert_allclose(result["losses"], whole["losses"], rtol=1e-5, atol=1e-7)

    # Run again: the finished job is reported, not redone.
    again = run_cli("train", data, tmp_path)
    assert again.returncode == 0 and again.last["reused"] is True
    assert not again.of("progress")


class CrashAfterCheckpoint(Capture):
    """Aborts the job right after it reports a checkpoint, leaving the checkpoint behind."""

    def write(self, text: str) -> int:
        n = super().write(text)
        if '"event":"checkpoint"' in text:
            raise RuntimeError("crash")
        return n


def test_a_checkpoint_is_only_resumed_by_the_same_job(photos, tmp_path):
    from scenebooth_tuner.train import checkpoints

    out = tmp_path / "job"
    base = spec_for(
        photos,
        out,
        steps={"unet": 8, "text_encoder": 2, "adaptive": False},
        checkpoint_every=4,
        prior={"enabled": False},
    )
    with pytest.raises(RuntimeError, match="crash"):
        run_train(parse_train(base), Progress(CrashAfterCheckpoint()))
    assert [p.name for p in checkpoints(out)] == ["checkpoint-000004"]

    other = Capture()  # another seed is another job: it starts from step 0
    result = run_train(parse_train({**base, "seed": 9}), Progress(other))
    assert result["resumed_from_step"] is None and not [e for e in other.events if e["event"] == "resumed"]
    assert checkpoints(out) == []  # and it cleaned up after itself

    with pytest.raises(RuntimeError, match="crash"):
        run_train(parse_train(base), Progress(CrashAfterCheckpoint()))
    resumed = run_train(parse_train(base), Progress(Capture()))
    assert resumed["resumed_from_step"] == 4  # in the UNet phase (2 text-encoder steps, then 8 UNet steps)
    # which computes its cached prompt embeddings from the checkpoint's text encoder: the run ends as an
    # uninterrupted one does
    whole = run_train(parse_train({**base, "output_dir": str(tmp_path / "whole")}), Progress(Capture()))
    np.testing.assert_allclose(resumed["losses"], whole["losses"], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("mode", ["lora", "full"])
def test_oom_retries_once_with_gradient_checkpointing(photos, tmp_path, monkeypatch, mode):
    """CUDA OOM cannot be caused on CPU: a fake makes the first UNet forward raise torch's OOM error."""
    import torch
    from diffusers import UNet2DConditionModel

    real_forward = UNet2DConditionModel.forward
    calls = {"n": 0}

    def forward_that_runs_out_of_memory_once(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1 and self.training:
            raise torch.OutOfMemoryError("CUDA out of memory (fake)")
        return real_forward(self, *args, **kwargs)

    monkeypatch.setattr(UNet2DConditionModel, "forward", forward_that_runs_out_of_memory_once)
    stream = Capture()
    spec = parse_train(
        spec_for(
            photos,
            tmp_path,
            mode=mode,
            steps={"unet": 4, "text_encoder": 2, "adaptive": False},
            prior={"enabled": False},
        )
    )
    result = run_train(spec, Progress(stream))
    assert result["gradient_checkpointing"] is True and len(result["losses"]) == 2 + 4
    assert [e["code"] for e in stream.events if e["event"] == "warning"] == ["oom_retry"]
