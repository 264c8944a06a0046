"""The adaptive-steps rule: plain subjects train for fewer UNet steps and sample with about 20 steps,
detailed ones train for all of them and sample with the paper's 50."""

from conftest import make_photo
from PIL import Image

from scenebooth_tuner.adaptive import SIMPLE_BELOW, SIMPLE_FACTOR, adaptive_steps, edge_density
from scenebooth_tuner.profiles import SAMPLE_STEPS, SIMPLE_SAMPLE_STEPS


def test_plain_subject_gets_fewer_unet_steps_and_about_20_sampling_steps(tmp_path):
    plain = [Image.open(make_photo(tmp_path / f"p{i}.png", seed=i)) for i in range(3)]
    steps, sample_steps, report = adaptive_steps(plain, 1500)
    assert report["simple"] and report["complexity"] < SIMPLE_BELOW
    assert steps == round(1500 * SIMPLE_FACTOR) == 900
    assert sample_steps == report["sample_steps"] == SIMPLE_SAMPLE_STEPS == 20


def test_detailed_subject_keeps_all_steps(tmp_path):
    detailed = [Image.open(make_photo(tmp_path / f"d{i}.png", seed=i, detailed=True)) for i in range(3)]
    steps, sample_steps, report = adaptive_steps(detailed, 1500)
    assert not report["simple"] and report["complexity"] >= SIMPLE_BELOW
    assert (steps, sample_steps) == (1500, SAMPLE_STEPS) == (1500, 50)


def test_never_fewer_than_asked(tmp_path):
    # the joint schedule asks for at least its text-encoder steps: that phase is part of the UNet steps
    plain = [Image.open(make_photo(tmp_path / "p.png", seed=0))]
    assert adaptive_steps(plain, 100, at_least=90)[0] == 90


def test_edge_density_bounds():
    assert edge_density(Image.new("RGB", (768, 768), "white")) == 0.0
    checker = Image.effect_noise((768, 768), 255).convert("RGB")
    assert 0.0 < edge_density(checker) <= 1.0
