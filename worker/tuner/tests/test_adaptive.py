"""The adaptive-steps rule: plain subjects train for fewer UNet steps, detailed ones for all of them."""

from conftest import make_photo
from PIL import Image

from scenebooth_tuner.adaptive import SIMPLE_BELOW, SIMPLE_FACTOR, adaptive_unet_steps, edge_density


def test_plain_subject_gets_fewer_steps(tmp_path):
    plain = [Image.open(make_photo(tmp_path / f"p{i}.png", seed=i)) for i in range(3)]
    steps, report = adaptive_unet_steps(plain, 1500, 200)
    assert report["simple"] and report["complexity"] < SIMPLE_BELOW
    assert steps == round(1500 * SIMPLE_FACTOR) == 900


def test_detailed_subject_keeps_all_steps(tmp_path):
    detailed = [Image.open(make_photo(tmp_path / f"d{i}.png", seed=i, detailed=True)) for i in range(3)]
    steps, report = adaptive_unet_steps(detailed, 1500, 200)
    assert not report["simple"] and report["complexity"] >= SIMPLE_BELOW
    assert steps == 1500


def test_never_fewer_than_the_text_encoder_phase(tmp_path):
    plain = [Image.open(make_photo(tmp_path / "p.png", seed=0))]
    assert adaptive_unet_steps(plain, 100, 90)[0] == 90


def test_edge_density_bounds():
    assert edge_density(Image.new("RGB", (768, 768), "white")) == 0.0
    checker = Image.effect_noise((768, 768), 255).convert("RGB")
    assert 0.0 < edge_density(checker) <= 1.0
