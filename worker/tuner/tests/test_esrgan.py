"""ESRGAN fine-tuning: the TF.js -> PyTorch rebuild, the degradations, and a tiny end-to-end run whose
ONNX export must match PyTorch within 1e-4 (the Node side of the contract: worker/upscale/finetuned.test.ts)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from scenebooth_tuner.errors import TunerError
from scenebooth_tuner.esrgan.degrade import degrade, load_hr
from scenebooth_tuner.esrgan.finetune import FinetuneSpec, onnx_parity, run_finetune
from scenebooth_tuner.esrgan.graph import depth_to_space_dcr, load_pretrained
from scenebooth_tuner.progress import Progress


def test_depth_to_space_takes_channels_in_tf_dcr_order():
    # tf.depthToSpace: output pixel (h*2+i, w*2+j), channel c comes from input channel (i*2+j)*C + c.
    c, block = 2, 2
    x = torch.arange(block * block * c, dtype=torch.float32).reshape(1, block * block * c, 1, 1)
    out = depth_to_space_dcr(x, block)
    assert out.shape == (1, c, 2, 2)
    for i in range(block):
        for j in range(block):
            for ch in range(c):
                assert out[0, ch, i, j] == (i * block + j) * c + ch


def test_degrade_makes_a_smaller_blurred_copy_reproducibly():
    rng = np.random.default_rng(0)
    hr = rng.integers(0, 256, (64, 48, 3), dtype=np.uint8)
    a = degrade(hr, 4, np.random.default_rng(1))
    b = degrade(hr, 4, np.random.default_rng(1))
    assert a.shape == (16, 12, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    # blur + bicubic averaging: far less pixel noise than the random input
    assert a.astype(float).std() < hr.astype(float).std() * 0.6
    with pytest.raises(ValueError):
        degrade(hr[:63], 4, rng)


def test_load_hr_shrinks_and_crops_to_the_scale(tmp_path):
    Image.fromarray(np.zeros((101, 203, 3), np.uint8)).save(tmp_path / "p.png")
    hr = load_hr(tmp_path / "p.png", long_side=100, scale=4)
    assert max(hr.shape[:2]) <= 100 and hr.shape[0] % 4 == 0 and hr.shape[1] % 4 == 0


def test_finetune_runs_end_to_end_and_its_onnx_matches_pytorch(tmp_path):
    rng = np.random.default_rng(0)
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(2):
        yy, xx = np.mgrid[0:96, 0:96]
        img = np.stack([(xx * 2 + i * 40) % 256, (yy * 3) % 256, ((xx + yy) // 3 * 17) % 256], -1)
        Image.fromarray((img + rng.integers(0, 20, img.shape)).clip(0, 255).astype(np.uint8)).save(photos / f"{i}.png")
    out = tmp_path / "ft.onnx"
    spec = FinetuneSpec(photos=[photos], out=out, tier="medium", steps=2, batch=2, patch=16, lr=1e-3, long_side=96)
    result = run_finetune(spec, Progress(open("/dev/null", "w")))

    assert result["steps"] == 2 and len(result["losses"]) == 2 and all(np.isfinite(result["losses"]))
    assert result["parityMaxAbsDiff"] <= 1e-4
    sidecar = json.loads((tmp_path / "ft.onnx.json").read_text())
    assert sidecar["kind"] == "esrgan-finetuned" and sidecar["tier"] == "medium" and sidecar["scale"] == 4
    assert sidecar["source"].startswith("@upscalerjs/esrgan-medium@")

    # The exported graph against the weights it was exported from, on a tile of another (non-square) shape.
    pretrained = load_pretrained("medium", 4).eval()
    tile = rng.random((1, 3, 20, 28), dtype=np.float32)
    import onnxruntime as ort

    (onnx_out,) = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(["output"], {"input": tile})
    assert onnx_out.shape == (1, 3, 80, 112)
    with torch.no_grad():
        before = pretrained(torch.from_numpy(tile)).numpy()
    # Fine-tuning changed the model: the export is not the pretrained network.
    assert np.abs(onnx_out - before).max() > 1e-3
    assert onnx_parity(pretrained, out, tile) > 1e-3  # the parity check sees a different network


def test_finetune_refuses_photos_smaller_than_a_crop(tmp_path):
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path / "small.png")
    spec = FinetuneSpec(photos=[tmp_path], out=tmp_path / "x.onnx", tier="medium", steps=1, patch=16)
    with pytest.raises(TunerError) as info:
        run_finetune(spec, Progress(open("/dev/null", "w")))
    assert info.value.code == "bad_input"
