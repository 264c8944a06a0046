"""Job spec parsing: defaults, and every problem as a coded error naming its field."""

import pytest
from conftest import make_layer, make_photo
from PIL import Image

from scenebooth_tuner.errors import EXIT_CODES, TunerError
from scenebooth_tuner.prompts import SCENES
from scenebooth_tuner.spec import parse_caption, parse_generate, parse_train


def train_spec(photos, **extra):
    return {
        "profile": "tiny",
        "class_noun": "sneaker",
        "output_dir": "out",
        "instances": [{"image": str(p), "caption": "a sneaker on a rock"} for p in photos],
        **extra,
    }


def error_of(fn, data) -> TunerError:
    with pytest.raises(TunerError) as info:
        fn(data)
    return info.value


def test_train_defaults(photos):
    spec = parse_train(train_spec(photos))
    assert spec.profile.name == "tiny" and spec.mode == "lora"  # the tiny profile defaults to LoRA
    assert spec.identifier == "<mysneaker>"
    assert (spec.steps.unet, spec.steps.text_encoder, spec.steps.adaptive) == (1500, 200, True)
    assert (spec.identifier_mode, spec.steps.text_encoder_schedule) == ("plain", "separate")  # the paper's
    assert (spec.lr.unet, spec.lr.text_encoder, spec.lr.identifier) == (1e-4, 5e-5, None)
    assert spec.prior.enabled and spec.prior.num_class_images == 4 and spec.prior.weight == 1.0
    assert spec.lora.rank == 8 and spec.lora.unet_targets == ("to_q", "to_k", "to_v", "to_out.0")


def test_full_mode_defaults_are_the_papers(photos):
    spec = parse_train(train_spec(photos, mode="full"))
    assert (spec.steps.unet, spec.lr.unet, spec.steps.text_encoder, spec.lr.text_encoder) == (1500, 2e-6, 200, 1e-6)


def test_the_new_token_identifier_gets_its_own_learning_rate(photos):
    spec = parse_train(train_spec(photos, mode="full", identifier_mode="new_token"))
    assert spec.lr.identifier == 5e-4 and spec.lr.identifier > 100 * spec.lr.text_encoder
    assert parse_train(train_spec(photos, identifier_mode="new_token", lr={"identifier": 1e-3})).lr.identifier == 1e-3


def test_train_overrides(photos):
    spec = parse_train(
        train_spec(
            photos,
            steps={"unet": 100, "text_encoder": 20, "adaptive": False},
            lr={"unet": 1e-3},
            prior={"enabled": False},
            lora={"rank": 4, "unet_targets": ["to_q"]},
            seed=7,
            identifier="<sks>",
        )
    )
    assert (spec.steps.unet, spec.steps.text_encoder, spec.steps.adaptive, spec.lr.unet) == (100, 20, False, 1e-3)
    assert spec.lr.text_encoder == 5e-5  # the lora default for the field not given
    assert (
        not spec.prior.enabled
        and spec.lora.rank == 4
        and spec.lora.alpha == 4.0
        and spec.lora.unet_targets == ("to_q",)
    )
    assert spec.seed == 7 and spec.identifier == "<sks>"


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"profile": "sd15"}, "bad_spec", "profile"),
        ({"profile": None}, "bad_spec", "profile"),
        ({"class_noun": "snea/ker"}, "bad_spec", "class_noun"),
        ({"mode": "dreambooth"}, "bad_spec", "mode"),
        (
            {"steps": {"unet": 10, "text_encoder": 20, "text_encoder_schedule": "joint"}},
            "bad_spec",
            "steps.text_encoder",
        ),
        ({"steps": {"text_encoder_schedule": "after"}}, "bad_spec", "steps.text_encoder_schedule"),
        ({"identifier_mode": "token"}, "bad_spec", "identifier_mode"),
        ({"steps": {"unet": 0}}, "bad_spec", "steps.unet"),
        ({"steps": {"unet": True}}, "bad_spec", "steps.unet"),
        ({"lr": {"unet": -1}}, "bad_spec", "lr.unet"),
        ({"lora": {"rank": 8, "targets": ["x"]}}, "bad_spec", "lora.targets"),
        ({"identifier": "my sneaker"}, "bad_spec", "identifier"),
        ({"typo": 1}, "bad_spec", "typo"),
        ({"instances": []}, "bad_input", "instances"),
    ],
)
def test_train_errors(photos, change, code, field):
    err = error_of(parse_train, {**train_spec(photos), **change})
    assert (err.code, err.details.get("field")) == (code, field)
    assert err.exit_code == EXIT_CODES[code] != 0


def test_too_few_photos(photos):
    err = error_of(parse_train, train_spec(photos[:1]))
    assert err.code == "bad_input" and "at least 3" in err.message


def test_wrong_size_missing_and_unreadable_photos(photos, tmp_path):
    small = make_photo(tmp_path / "small.png", seed=1, size=512)
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    for bad, words in ((small, "768x768"), (tmp_path / "nope.png", "no such file"), (junk, "not a readable image")):
        err = error_of(parse_train, train_spec([*photos[:2], bad]))
        assert err.code == "bad_input" and err.details["field"] == "instances[2]" and words in err.message


def test_non_square_photo(tmp_path, photos):
    wide = tmp_path / "wide.png"
    Image.new("RGB", (768, 512)).save(wide)
    err = error_of(parse_caption, {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "images": [str(wide)]})
    assert err.code == "bad_input" and "768x512" in err.message


def test_caption_needs_an_image():
    err = error_of(parse_caption, {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "images": []})
    assert (err.code, err.details["field"]) == ("bad_input", "images")


def test_generate_scenes_and_defaults(tmp_path):
    spec = parse_generate(
        {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "scenes": [0, 19, "on a red  carpet"]}
    )
    assert spec.prompts == ((SCENES[0], 0), (SCENES[19], 19), ("on a red carpet", None))
    assert (spec.steps, spec.num_images, spec.guidance_scale, spec.weights) == (50, 4, 7.5, None)
    quality = parse_generate(
        {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "scenes": [1], "quality": True}
    )
    assert quality.steps == 50


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"scenes": []}, "bad_spec", "scenes"),
        ({"scenes": [20]}, "bad_spec", "scenes[0]"),
        ({"scenes": [True]}, "bad_spec", "scenes[0]"),
        ({"num_images": 0}, "bad_spec", "num_images"),
        ({"weights": "/does/not/exist.safetensors"}, "bad_input", "weights"),
    ],
)
def test_generate_errors(change, code, field):
    data = {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "scenes": [1], **change}
    err = error_of(parse_generate, data)
    assert (err.code, err.details.get("field")) == (code, field)


def test_spec_must_be_an_object():
    assert error_of(parse_train, [1, 2]).code == "bad_spec"


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"seed": "1"}, "seed", "must be an integer >= 0"),
        ({"seed": 1.5}, "seed", "must be an integer"),
        ({"device": "tpu"}, "device", 'must be "auto", "cpu" or "cuda"'),
        ({"output_dir": " "}, "output_dir", "must be a file path"),
        ({"output_dir": None}, "output_dir", "is required"),
        ({"steps": {"adaptive": 1}}, "steps.adaptive", "must be true or false"),
        ({"lr": {"unet": "fast"}}, "lr.unet", "must be a number > 0.0"),
        ({"lr": {"unet": float("nan")}}, "lr.unet", "must be a number > 0.0"),
        ({"prior": [1]}, "prior", "must be a JSON object"),
        ({"prior": {"weight": -1}}, "prior.weight", "must be a number >= 0.0"),
        ({"lora": {"unet_targets": []}}, "lora.unet_targets", "must be a list of module names"),
        ({"lora": {"unet_targets": ["to_q", 3]}}, "lora.unet_targets[1]", "must be a non-empty string"),
        ({"instances": "a.png"}, "instances", "must be a list of {image, caption} objects"),
        ({"instances": [{"caption": "a sneaker"}] * 3}, "instances[0].image", "is required"),
        (
            {"instances": [{"image": "a.png", "caption": " "}] * 3},
            "instances[0].caption",
            "must be a non-empty string",
        ),
        ({"instances": [{"image": "a.png", "typo": 1}] * 3}, "instances[0].typo", "is not a known field"),
        ({"identifier": "sks"}, "identifier", 'must be a token like "<mysneaker>"'),
    ],
)
def test_wrong_types_name_the_field_and_what_it_must_be(photos, change, field, words):
    err = error_of(parse_train, {**train_spec(photos), **change})
    assert (err.code, err.details.get("field")) == ("bad_spec", field)
    assert err.message.startswith(field) and words in err.message


def test_generate_scene_must_be_a_number_or_a_text():
    err = error_of(parse_generate, {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "scenes": [{}]})
    assert (err.details["field"], err.message) == (
        "scenes[0]",
        "scenes[0] must be an integer >= 0 or a non-empty string",
    )


def test_defaults_come_from_the_dataclasses(photos):
    """A field left out is the dataclass's default (None ones are filled in from the profile)."""
    from dataclasses import MISSING, fields

    from scenebooth_tuner.spec import TrainSpec, TrainSteps

    minimal = train_spec(photos)
    parsed = parse_train(minimal)
    for f in fields(TrainSpec):
        if f.name not in minimal and f.default not in (MISSING, None):
            assert getattr(parsed, f.name) == f.default, f.name
    assert parsed.steps == TrainSteps() and parsed.lora.unet_targets == fields(type(parsed.lora))[2].default


def test_profile_dependent_defaults_are_filled_in(photos):
    spec = parse_train(train_spec(photos, lora={"rank": 4}))
    assert (spec.mode, spec.prior.num_class_images, spec.lora.alpha) == ("lora", 4, 4.0)
    assert parse_generate({"profile": "tiny", "class_noun": "vase", "output_dir": "o", "scenes": [1]}).steps == 50


def test_sampling_steps_are_the_papers_50_or_20_for_weights_of_a_simple_subject(tmp_path):
    """train records its adaptive decision in the weights' metadata; generate samples with it."""
    import json

    def steps_for(meta: dict | None, **extra) -> int:
        weights = tmp_path / f"w{len(list(tmp_path.iterdir()))}"
        weights.mkdir()
        if meta is not None:
            (weights / "scenebooth.json").write_text(json.dumps(meta))
        spec = {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "scenes": [1], "weights": str(weights)}
        return parse_generate({**spec, **extra}).steps

    assert steps_for({"sample_steps": 20}) == 20  # a simple subject
    assert steps_for({"sample_steps": 50}) == 50
    assert steps_for({"sample_steps": 20}, quality=True) == 50  # quality: the full count
    assert steps_for({"sample_steps": 20}, steps=7) == 7  # explicit steps win
    assert steps_for({}) == steps_for(None) == 50  # weights from before the rule was recorded


def test_the_contract_command_prints_every_command(tmp_path):
    import json
    import subprocess
    import sys

    from scenebooth_tuner.spec import COMMANDS, contract

    out = subprocess.run(
        [sys.executable, "-m", "scenebooth_tuner", "contract"], capture_output=True, text=True, check=True
    )
    printed = json.loads(out.stdout)
    assert printed == contract() and set(printed) == set(COMMANDS) == {"caption", "train", "generate"}
    steps = printed["train"]["spec"]["fields"]["steps"]
    assert steps["required"] is False and steps["default"] == {
        "unet": 1500,
        "text_encoder": 200,
        "text_encoder_schedule": "separate",
        "adaptive": True,
    }
    assert printed["generate"]["spec"]["fields"]["scenes"] == {
        "type": {"kind": "list", "of": {"kind": "union", "of": [{"kind": "integer"}, {"kind": "string"}]}},
        "required": True,
    }
    assert printed["caption"]["result"]["fields"]["note"] == {"type": {"kind": "string"}, "required": False}


# ---------------------------------------------------------------------------------------------- exact mode


def flat_layer(path, alpha: int):
    """A layer whose matte got lost: one alpha value everywhere."""
    Image.new("RGBA", (768, 768), (90, 60, 30, alpha)).save(path)
    return path


def generate_spec(**extra):
    return {"profile": "tiny", "class_noun": "vase", "output_dir": "o", "scenes": [1, "on a rug"], **extra}


def test_layers_are_one_per_scene_null_for_tuned_mode(tmp_path):
    layer = make_layer(tmp_path / "layer.png")
    spec = parse_generate(generate_spec(layers=[str(layer), None]))
    assert spec.layers == spec.scene_layers == (layer.resolve(), None)
    assert parse_generate(generate_spec()).scene_layers == (None, None)  # no layers: every scene tuned, as before
    assert parse_generate(generate_spec(layers=None)).layers is None


def test_a_request_of_layers_only_needs_no_weights(tmp_path):
    """The fast lane: every scene exact, no tuned weights (the base model paints the scene)."""
    layer = make_layer(tmp_path / "layer.png")
    spec = parse_generate(generate_spec(layers=[str(layer), str(layer)]))
    assert spec.weights is None and spec.steps == 50


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p / "missing.png", "layers[0]: no such file"),
        (lambda p: make_layer(p / "small.png", size=512), "layers must be 768x768 (the output size)"),
        (lambda p: make_layer(p / "rgb.png", mode="RGB"), "is a PNG RGB image, not an RGBA PNG"),
        (lambda p: make_layer(p / "layer.webp", fmt="WEBP"), "is a WEBP RGBA image, not an RGBA PNG"),
        (lambda p: (p / "text.png").write_text("not a picture") and p / "text.png", "is not a readable image"),
        (lambda p: flat_layer(p / "clear.png", 0), "is transparent everywhere: its alpha holds no product"),
        (lambda p: flat_layer(p / "opaque.png", 255), "is opaque everywhere: its alpha leaves no scene to paint"),
    ],
)
def test_a_bad_layer_is_bad_input_naming_layers(tmp_path, make, words):
    err = error_of(parse_generate, generate_spec(layers=[str(make(tmp_path)), None]))
    assert (err.code, err.details.get("field")) == ("bad_input", "layers")
    assert err.message.startswith("layers[0]: ") and words in err.message


@pytest.mark.parametrize(
    "layers, field, words",
    [
        ([None], "layers", "must have one entry per scene (2), got 1"),
        ("layer.png", "layers", "must be a list with one RGBA PNG path or null per scene"),
        ([None, 3], "layers[1]", "must be a file path"),
        ([None, " "], "layers[1]", "must be a file path"),
    ],
)
def test_a_malformed_layers_list_is_bad_spec(layers, field, words):
    err = error_of(parse_generate, generate_spec(layers=layers))
    assert (err.code, err.details.get("field")) == ("bad_spec", field)
    assert words in err.message


def test_the_contract_describes_layers_and_each_images_mode():
    from scenebooth_tuner.spec import contract

    generate = contract()["generate"]
    assert generate["spec"]["fields"]["layers"] == {
        "type": {"kind": "nullable", "of": {"kind": "list", "of": {"kind": "nullable", "of": {"kind": "path"}}}},
        "required": False,
        "default": None,
    }
    image = generate["result"]["fields"]["images"]["type"]["of"]["fields"]
    assert image["mode"] == {"type": {"kind": "enum", "values": ["exact", "tuned"]}, "required": True}
    assert image["layer"] == {"type": {"kind": "string"}, "required": False}
