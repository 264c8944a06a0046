"""The CLI contract: bad specs and missing weights end with exactly one coded error line and a non-zero exit."""

from __future__ import annotations

import json

import pytest
from conftest import make_photo, run_cli

from scenebooth_tuner.errors import EXIT_CODES
from scenebooth_tuner.profiles import BLIP2_REPO, SD21_REPO


def assert_error(run, code: str, field: str | None = None, alone: bool = True) -> dict:
    """One error line, last; `alone`: nothing before it either (the spec was refused before any work)."""
    assert run.returncode == EXIT_CODES[code] != 0, run.stderr[-2000:]
    assert len(run.of("error")) == 1 and all(e["event"] == "progress" for e in run.events[:-1]), run.lines
    if alone:
        assert len(run.events) == 1, run.lines
    error = run.events[-1]
    assert error["event"] == "error" and error["code"] == code and error["message"]
    if field is not None:
        assert error.get("field") == field
    return error


def train_spec(images, **extra):
    return {
        "profile": "tiny",
        "class_noun": "boot",
        "output_dir": "out",
        "instances": [{"image": str(p)} for p in images],
        **extra,
    }


def test_no_images(tmp_path):
    run = run_cli("caption", {"profile": "tiny", "class_noun": "boot", "output_dir": "o", "images": []}, tmp_path)
    assert_error(run, "bad_input", "images")
    assert_error(run_cli("train", train_spec([]), tmp_path), "bad_input", "instances")


def test_one_image(tmp_path, photos):
    error = assert_error(run_cli("train", train_spec(photos[:1]), tmp_path), "bad_input", "instances")
    assert "at least 3" in error["message"]


def test_wrong_size(tmp_path, photos):
    small = make_photo(tmp_path / "small.png", seed=3, size=640)
    error = assert_error(run_cli("train", train_spec([*photos[:3], small]), tmp_path), "bad_input", "instances[3]")
    assert "768x768" in error["message"] and "640x640" in error["message"]


def test_unknown_profile(tmp_path, photos):
    error = assert_error(run_cli("train", train_spec(photos, profile="sdxl"), tmp_path), "bad_spec", "profile")
    assert "tiny" in error["message"]


def test_not_json(tmp_path):
    bad = tmp_path / "spec.json"
    bad.write_text("{not json")
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "scenebooth_tuner", "generate", "--spec", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == EXIT_CODES["bad_spec"]
    assert json.loads(proc.stdout)["code"] == "bad_spec"


@pytest.mark.parametrize("command", ["caption", "generate"])
def test_missing_weights_offline(tmp_path, photos, command):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"SCENEBOOTH_MODELS_DIR": str(empty), "HF_HOME": str(empty / "hf"), "HF_HUB_OFFLINE": "1"}
    spec = {"profile": "sd21", "class_noun": "boot", "output_dir": str(tmp_path / "out")}
    spec |= {"images": [str(photos[0])]} if command == "caption" else {"scenes": [1]}
    error = assert_error(run_cli(command, spec, tmp_path, env=env), "model_missing", alone=False)
    expected = BLIP2_REPO if command == "caption" else SD21_REPO
    assert error["model"] == expected and "offline" in error["message"]


def test_version(tmp_path):
    import subprocess
    import sys

    from scenebooth_tuner import __version__

    out = subprocess.run([sys.executable, "-m", "scenebooth_tuner", "version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == __version__
