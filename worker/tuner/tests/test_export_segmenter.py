"""The segmenter's ONNX export: the tiny stand-in has BiRefNet's names and shapes and matches its module;
the real profile downloads a pinned BiRefNet-shaped repository from a fake hub and exports it."""

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from deform_reference import torchvision_loads
from fake_birefnet_hub import REPO, make_repo, run_export
from fake_hub import FakeHub

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


# The production path against a FAKE ZhengPeng7/BiRefNet (tests/fake_birefnet_hub.py): same repository
# shape, remote code with deformable convolutions and a list of side outputs, random weights.


@pytest.fixture(scope="module")
def birefnet_hub(tmp_path_factory):
    hub = FakeHub({REPO: make_repo(tmp_path_factory.mktemp("birefnet"))}).start()
    yield hub
    hub.stop()


def test_real_segmenter_exports_a_pinned_birefnet_with_deformable_convolutions(birefnet_hub, tmp_path):
    commit = birefnet_hub.repos[REPO].commit
    result = run_export(birefnet_hub, tmp_path / "out", commit, tmp_path / "hf")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "not pinned" not in result.stderr
    manifest = json.loads((tmp_path / "out" / "segmenter.json").read_text())
    assert (manifest["profile"], manifest["standIn"], manifest["source"]) == ("real", False, REPO)
    assert (manifest["revision"], manifest["license"]) == (commit, "MIT")
    assert manifest["sha256"] == sha256(tmp_path / "out" / manifest["file"])
    assert manifest["parity"]["maxAlphaDiff"] <= 1 / 255
    graph = onnx.load(str(tmp_path / "out" / manifest["file"]))
    assert "GridSample" in {n.op_type for n in graph.graph.node}
    session = ort.InferenceSession(str(tmp_path / "out" / manifest["file"]))
    (logits,) = session.run(["output_image"], {"input_image": np.zeros((1, 3, 1024, 1024), np.float32)})
    assert logits.shape == (1, 1, 1024, 1024)
    # Only what the export needs was downloaded, at the pinned commit.
    downloads = {r.split("/resolve/")[1] for r in birefnet_hub.requests if "/resolve/" in r and r.startswith("GET")}
    assert downloads == {
        f"{commit}/{f}" for f in ("config.json", "BiRefNet_config.py", "birefnet.py", "model.safetensors")
    }


def test_real_segmenter_on_a_branch_warns_that_it_is_not_pinned(birefnet_hub, tmp_path):
    result = run_export(birefnet_hub, tmp_path / "out", "main", tmp_path / "hf")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"warning: {REPO} is not pinned (revision 'main'" in result.stderr
    assert json.loads((tmp_path / "out" / "segmenter.json").read_text())["revision"] == "main"


def test_real_segmenter_at_a_missing_revision_is_model_missing(birefnet_hub, tmp_path):
    result = run_export(birefnet_hub, tmp_path / "out", "0" * 40, tmp_path / "hf")
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: model_missing: cannot load {REPO} at {'0' * 40}: RevisionNotFoundError")
    assert not (tmp_path / "out" / "segmenter.onnx").exists()


@pytest.mark.skipif(torchvision_loads(), reason="torchvision loads here")
def test_real_segmenter_without_torchvision_names_the_extra_to_install(birefnet_hub, tmp_path):
    result = run_export(
        birefnet_hub, tmp_path / "out", birefnet_hub.repos[REPO].commit, tmp_path / "hf", stand_in=False
    )
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert f"error: model_missing: {REPO}'s code cannot be imported" in line
    assert "torchvision" in line and "worker/tuner[segmenter]" in line
