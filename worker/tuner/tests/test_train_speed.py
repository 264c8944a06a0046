"""Training without a host sync per step, and full-mode checkpoints: weights only, the latest only."""

from __future__ import annotations

import sys
import threading

import pytest
import torch
from conftest import Capture

from scenebooth_tuner.progress import Progress
from scenebooth_tuner.spec import parse_train
from scenebooth_tuner.train import checkpoints, run_train


def spec_for(photos, out, **extra):
    return parse_train(
        {
            "profile": "tiny",
            "class_noun": "vase",
            "instances": [{"image": str(p), "caption": "a vase on a table"} for p in photos],
            "output_dir": str(out),
            "steps": {"unet": 12, "text_encoder": 4, "adaptive": False},
            "prior": {"enabled": False},
            **extra,
        }
    )


def test_losses_are_read_back_at_reports_not_every_step(photos, tmp_path, monkeypatch):
    reads = []
    for name in ("item", "tolist"):
        original = getattr(torch.Tensor, name)

        def counting(self, _name=name, _original=original):
            if sys._getframe(1).f_code.co_filename.endswith("train.py"):
                reads.append(_name)
            return _original(self)

        monkeypatch.setattr(torch.Tensor, name, counting)
    # Reported only when forced: the first step of each phase and the last one, so 3 reads in 16 steps
    # (the text encoder alone for 4, then the UNet for 12).
    result = run_train(spec_for(photos, tmp_path), Progress(Capture(), min_interval_s=3600))
    assert len(result["losses"]) == 16 and all(isinstance(v, float) for v in result["losses"])
    assert reads == ["tolist"] * 3


class StopAfterCheckpoints(Capture):
    """Aborts the job once it has reported `n` checkpoints, leaving the last one behind."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def write(self, text: str) -> int:
        written = super().write(text)
        if sum(e["event"] == "checkpoint" for e in self.events) >= self.n:
            raise RuntimeError("stop")
        return written


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_checkpoints_keep_the_latest_only_and_full_mode_no_optimizer_state(photos, tmp_path, mode):
    spec = spec_for(photos, tmp_path, mode=mode, checkpoint_every=3)
    with pytest.raises(RuntimeError, match="stop"):
        run_train(spec, Progress(StopAfterCheckpoints(2)))
    for thread in threading.enumerate():  # a full-mode write still in the background
        if thread.name == "checkpoint-writer":
            thread.join()
    [latest] = checkpoints(tmp_path)
    assert latest.name in ("checkpoint-000006", "checkpoint-000009")
    files = sorted(p.name for p in latest.iterdir())
    # Full mode: AdamW's moments are 2x the weights (≈ 10 GB for SD 2.1), not written; LoRA's are small, kept.
    expected = ["state.json", "trainable.safetensors"] + (["optimizer.pt"] if mode == "lora" else [])
    assert files == sorted(expected)

    result = run_train(spec, Progress(Capture()))
    assert result["resumed_from_step"] == int(latest.name[-6:]) and len(result["losses"]) == 16
    assert checkpoints(tmp_path) == []
