"""ONNX graphs of the tiny scoring models against their PyTorch modules (dynamic batch and length)."""

import numpy as np
import onnxruntime as ort
import pytest
import torch

from scenebooth_tuner.export.__main__ import main
from scenebooth_tuner.export.graphs import ClipText, DinoVision, _export
from scenebooth_tuner.export.models import tiny_models


@pytest.fixture(scope="module")
def models():
    return tiny_models(seed=0)


def test_dino_graph_matches_torch_for_any_batch(models, tmp_path):
    module = DinoVision(models["dino"].model)
    _export(
        module,
        (torch.zeros(2, 3, 224, 224),),
        tmp_path / "d.onnx",
        ["pixel_values"],
        ["cls"],
        {"pixel_values": {0: "batch"}},
    )
    session = ort.InferenceSession(str(tmp_path / "d.onnx"))
    x = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    (got,) = session.run(None, {"pixel_values": x.numpy()})
    with torch.no_grad():
        want = module(x).numpy()
    assert got.shape == (3, 32)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_clip_text_graph_matches_torch_for_any_length(models, tmp_path):
    module = ClipText(models["clip"].model)
    ids = torch.tensor([[49406, 320, 1125, 539, 320, 2368, 49407]] * 2)
    dims = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}
    _export(
        module,
        (ids, torch.ones_like(ids)),
        tmp_path / "t.onnx",
        ["input_ids", "attention_mask"],
        ["text_embeds"],
        dims,
    )
    session = ort.InferenceSession(str(tmp_path / "t.onnx"))
    tok = models["clip"].tokenizer
    for text in ["a vase", "a teapot on top of a wooden floor in a bright room"]:
        enc = tok(text, return_tensors="pt")
        (got,) = session.run(None, {k: enc[k].numpy() for k in ("input_ids", "attention_mask")})
        with torch.no_grad():
            want = module(enc["input_ids"], enc["attention_mask"]).numpy()
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_cli_refuses_a_non_empty_output_folder(tmp_path, capsys):
    (tmp_path / "old.onnx").write_bytes(b"x")
    assert main(["models", "--profile", "tiny", "--out", str(tmp_path)]) == 2
    assert "out_not_empty" in capsys.readouterr().err
