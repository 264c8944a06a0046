"""The products-per-GPU-hour model's arithmetic, and the class-image set names the worker shares sets by."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

from scenebooth_tuner.class_sets import class_set
from scenebooth_tuner.profiles import get_profile
from scenebooth_tuner.throughput import Recipe, Scenario, Timings, exact_rows, per_exact_product, per_product

TIMINGS = Timings(
    unet_step_s=0.1,
    te_step_s=0.2,
    image_s=0.5,
    class_image_s=0.4,
    load_s=10.0,
    caption_s=5.0,
    checkpoint_s=2.0,
    gen_batch=4,
    vae_encode_s=0.05,
)


def test_per_product_adds_each_part_from_the_recipe_counts():
    recipe = Recipe(unet_steps=1500, te_steps=200, num_class_images=100, images=24, sample_steps=25)
    row = per_product(Scenario("x", recipe, TIMINGS))
    assert row["seconds"] == {
        "load": 20.0,  # train and generate each load the model
        "caption": 5.0,
        "class_images": 40.0,
        "train_te_phase": 40.0,
        "train_unet_only": 130.0,
        "checkpoints": 10.0,  # at 250 ... 1250: none at the last step
        "generate": 12.0,
    }
    assert row["total_s"] == 257.0 and row["products_per_gpu_hour"] == 14.0 and not row["reaches_goal"]


def test_sixty_seconds_a_product_is_the_goal():
    recipe = Recipe(unet_steps=300, te_steps=0, images=24, sample_steps=20, checkpoint_every=1000)
    # 30 s of training + 24 images x 0.5 s x 20/25 steps = 9.6 s + 5 s captions -> 44.6 s: 80.7 an hour.
    row = per_product(Scenario("fast", recipe, TIMINGS, loads=0, class_image_share=0.0))
    assert row["total_s"] == 44.6 and row["products_per_gpu_hour"] == 80.7 and row["reaches_goal"]
    slow = per_product(Scenario("slow", replace(recipe, unet_steps=600), TIMINGS, loads=0, class_image_share=0.0))
    assert slow["products_per_gpu_hour"] == 48.3 and not slow["reaches_goal"]


def test_an_exact_product_is_its_images_sampled_as_tuned_ones_plus_one_layer_encode_per_scene():
    recipe = Recipe(images=24, scenes=6, sample_steps=20)
    fast = per_exact_product("fast", recipe, TIMINGS)
    # 24 x 0.5 s x 20/25 = 9.6 s of sampling + 6 x 0.05 s of encoding; no tuning, no load.
    assert fast["seconds"] == {"load": 0.0, "tuning": 0.0, "layer_encode": 0.3, "generate": 9.6}
    assert fast["s_per_image"] == 0.4125 and fast["total_s"] == 9.9 and fast["products_per_gpu_hour"] == 363.6
    tuned = per_exact_product("tuned", recipe, TIMINGS, tuning_s=50.1)
    assert tuned["total_s"] == 60.0 and tuned["products_per_gpu_hour"] == 60.0 and tuned["reaches_goal"]


def test_exact_rows_take_the_tuning_from_each_profiles_last_ladder_row():
    recipe = Recipe(unet_steps=300, te_steps=0, images=24, sample_steps=20, checkpoint_every=1000)
    ladder = [per_product(Scenario("last", recipe, TIMINGS, loads=0, class_image_share=0.0))]
    rows = exact_rows({"sd21-lora": TIMINGS}, {"sd21-lora": ladder}, Recipe())
    assert [r["name"] for r in rows] == [
        "fast lane: exact product on the base model, no tuning",
        "fast lane at 20 sampling steps",
        "sd21-lora: exact scenes on tuned weights (tuned as its last row)",
    ]
    # the ladder row's 44.6 s less its 9.6 s of tuned-mode sampling: 30 s of training + 5 s of captions
    assert rows[2]["seconds"]["tuning"] == 35.0 and rows[2]["total_s"] == 35.0 + 0.3 + 9.6
    assert rows[0]["seconds"]["generate"] == 12.0 and rows[1]["seconds"]["generate"] == 9.6


def test_the_committed_h200_table_is_the_model_of_the_committed_figures():
    from scenebooth_tuner.bench import model_from_figures, report_markdown
    from scenebooth_tuner.profiles import REPO_ROOT

    result = model_from_figures(str(REPO_ROOT / "bench" / "gpu-figures" / "h200-design-s6.json"))
    committed = REPO_ROOT / "bench" / "results" / "gpu-h200-design-s6"
    assert json.loads(committed.with_suffix(".json").read_text()) == json.loads(json.dumps(result))
    assert committed.with_suffix(".md").read_text() == report_markdown(result)
    assert "## exact product (issue #19)" in report_markdown(result)


def test_class_sets_are_named_by_base_revision_class_and_settings(monkeypatch):
    lora, full = get_profile("sd21-lora"), get_profile("sd21")
    name = class_set(lora, "teddy bear")
    assert name == class_set(full, "teddy bear")  # both profiles use the same base model's pictures
    assert name.split("/")[:3] == ["sd2-community--stable-diffusion-2-1", lora.base_revision, "teddy-bear"]
    assert name.split("/")[3] == "768px-dpmpp25-cfg7.5-seed0"
    monkeypatch.setenv("SCENEBOOTH_BASE_MODEL_REVISION", "0123456789abcdef0123456789abcdef01234567")
    assert class_set(get_profile("sd21"), "teddy bear") != name  # another revision draws other pictures


def test_class_set_command_prints_the_set_without_loading_torch(tmp_path):
    code = (
        "import sys, runpy; sys.argv = ['scenebooth_tuner', 'class-set', '--profile', 'tiny', '--class-noun',"
        f" 'Teddy  Bear', '--cache-dir', {str(tmp_path)!r}]\n"
        "try:\n    runpy.run_module('scenebooth_tuner', run_name='__main__')\n"
        "except SystemExit as exit:\n    assert exit.code == 0 and 'torch' not in sys.modules, sys.modules.keys()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["set"] == class_set(get_profile("tiny"), "teddy bear")
    assert out["dir"] == str(tmp_path / "class-images" / out["set"])
    assert out["files"] == ["0000.png", "0001.png", "0002.png", "0003.png"]
