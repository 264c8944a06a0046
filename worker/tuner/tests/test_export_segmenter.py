"""The segmenter's ONNX export: the tiny stand-in has BiRefNet's names and shapes and matches its module."""

import json

import numpy as np
import onnxruntime as ort
import torch

from scenebooth_tuner.export.__main__ import main
from scenebooth_tuner.export.manifest import sha256
from scenebooth_tuner.export.segmenter import TinySegmenter


def test_tiny_segmenter_export_matches_torch_with_birefnet_names(tmp_path, capsys):
    assert main(["segmenter", "--profile", "tiny", "--out", str(tmp_path), "--seed", "3"]) == 0
    manifest = json.loads((tmp_path / "segmenter.json").read_text())
    assert manifest["standIn"] is True and manifest["license"] is None
    assert (manifest["input"], manifest["output"], manifest["side"]) == ("input_image", "output_image", 1024)
    assert manifest["sha256"] == sha256(tmp_path / manifest["file"])
    session = ort.InferenceSession(str(tmp_path / manifest["file"]))
    x = torch.randn(1, 3, 1024, 1024, generator=torch.Generator().manual_seed(1))
    (got,) = session.run(["output_image"], {"input_image": x.numpy()})
    with torch.no_grad():
        want = TinySegmenter(3).eval()(x).numpy()
    assert got.shape == (1, 1, 1024, 1024)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_real_segmenter_offline_fails_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert main(["segmenter", "--profile", "real", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "error: model_missing: cannot load ZhengPeng7/BiRefNet at main" in err
    assert not (tmp_path / "out" / "segmenter.onnx").exists()
