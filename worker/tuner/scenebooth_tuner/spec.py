"""Typed job specs, parsed from JSON and validated; every problem becomes a coded `TunerError`.

`bad_spec`: the JSON itself (a missing or wrong field, an unknown profile). `bad_input`: the files
it points at (missing, unreadable, too few, wrong size). Field names are reported as dotted paths.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TunerError
from .profiles import Profile, get_profile
from .prompts import SCENES, default_identifier, normalize_class_noun

MIN_TRAIN_IMAGES = 3  # docs/recipe.md: 5-7 recommended, at least 3 required
DEFAULT_LORA_UNET_TARGETS = ("to_q", "to_k", "to_v", "to_out.0")
DEFAULT_LORA_TEXT_TARGETS = ("q_proj", "k_proj", "v_proj", "out_proj")
# (unet lr, text-encoder lr) per mode. full: the paper's. lora: diffusers' DreamBooth-LoRA defaults,
# since adapters starting at zero barely move at 2e-6.
DEFAULT_LR = {"full": (2e-6, 1e-6), "lora": (1e-4, 5e-5)}


@dataclass(frozen=True)
class JobSpec:
    profile: Profile
    output_dir: Path
    class_noun: str
    identifier: str
    seed: int
    device: str | None
    cache_dir: Path | None


@dataclass(frozen=True)
class CaptionSpec(JobSpec):
    images: tuple[Path, ...] = ()
    max_new_tokens: int = 30
    batch_size: int = 4


@dataclass(frozen=True)
class Instance:
    image: Path
    caption: str | None


@dataclass(frozen=True)
class LoraSpec:
    rank: int = 8
    alpha: float = 8.0
    unet_targets: tuple[str, ...] = DEFAULT_LORA_UNET_TARGETS
    text_encoder_targets: tuple[str, ...] = DEFAULT_LORA_TEXT_TARGETS


@dataclass(frozen=True)
class TrainSpec(JobSpec):
    instances: tuple[Instance, ...] = ()
    mode: str = "lora"
    unet_steps: int = 1500
    text_encoder_steps: int = 200
    adaptive_steps: bool = True
    unet_lr: float = 2e-6
    text_encoder_lr: float = 1e-6
    prior: bool = True
    num_class_images: int = 100
    prior_loss_weight: float = 1.0
    lora: LoraSpec = field(default_factory=LoraSpec)
    batch_size: int = 1
    checkpoint_every: int = 250
    gradient_checkpointing: bool = False


@dataclass(frozen=True)
class GenerateSpec(JobSpec):
    weights: Path | None = None  # a LoRA .safetensors, a full-weights folder, or None for the base model
    prompts: tuple[tuple[str, int | None], ...] = ()  # (scene text, scene index or None for custom text)
    num_images: int = 4
    steps: int = 25
    guidance_scale: float = 7.5
    negative_prompt: str = ""
    batch_size: int = 4


# ---------------------------------------------------------------------------------------------- helpers


class _Fields:
    """Reads typed fields out of one JSON object, remembering which keys were used."""

    def __init__(self, data: Any, where: str = "") -> None:
        if not isinstance(data, dict):
            raise TunerError("bad_spec", f"{where or 'the spec'} must be a JSON object", field=where or None)
        self.data, self.where, self.used = data, where, set()

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _bad(self, key: str, what: str) -> TunerError:
        return TunerError("bad_spec", f"{self.name(key)} {what}", field=self.name(key))

    def get(self, key: str, kind: type | tuple, default: Any = ..., check=None, what: str = "") -> Any:
        self.used.add(key)
        if key not in self.data or self.data[key] is None:
            if default is ...:
                raise self._bad(key, "is required")
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:  # JSON true is not a number
            raise self._bad(key, f"must be {what or kinds[0].__name__}")
        if float in kinds and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, float) and not math.isfinite(value)):
            raise self._bad(key, f"must be {what or kinds[0].__name__}")
        if check is not None and not check(value):
            raise self._bad(key, f"must be {what}")
        return value

    def int(self, key: str, default: Any = ..., lo: int = 0, hi: int | None = None) -> int:
        what = f"an integer >= {lo}" + (f" and <= {hi}" if hi is not None else "")
        return self.get(key, int, default, lambda v: v >= lo and (hi is None or v <= hi), what)

    def float(self, key: str, default: Any = ..., lo: float = 0.0, strict: bool = False) -> float:
        what = f"a number {'>' if strict else '>='} {lo}"
        return self.get(key, float, default, lambda v: v > lo if strict else v >= lo, what)

    def str(self, key: str, default: Any = ...) -> str:
        return self.get(key, str, default, lambda v: bool(v.strip()), "a non-empty string")

    def obj(self, key: str) -> _Fields:
        self.used.add(key)
        return _Fields(self.data.get(key) or {}, self.name(key))

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self._bad(unknown[0], "is not a known field")


def load_spec_file(path: str | Path) -> dict:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise TunerError("bad_spec", f"cannot read the spec file {str(path)!r}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TunerError("bad_spec", f"the spec is not valid JSON: {exc}") from exc


def _common(f: _Fields) -> dict:
    profile = get_profile(f.get("profile", str, what="a profile name"))
    f.used.add("command")  # tolerated: the CLI already chose the command
    try:
        class_noun = normalize_class_noun(f.str("class_noun"))
    except ValueError as exc:
        raise TunerError("bad_spec", str(exc), field="class_noun") from exc
    identifier = f.get(
        "identifier",
        str,
        default_identifier(class_noun),
        lambda v: v.startswith("<") and v.endswith(">") and " " not in v,
        'a token like "<mysneaker>"',
    )
    device = f.get("device", str, None, lambda v: v in ("auto", "cpu", "cuda"), '"auto", "cpu" or "cuda"')
    cache_dir = f.str("cache_dir", None)
    return dict(
        profile=profile,
        output_dir=Path(f.str("output_dir")).resolve(),
        class_noun=class_noun,
        identifier=identifier,
        seed=f.int("seed", 0, hi=2**63 - 1),
        device=device,
        cache_dir=Path(cache_dir).resolve() if cache_dir else None,
    )


def _image_path(value: Any, where: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise TunerError("bad_spec", f"{where} must be a file path", field=where)
    return Path(value).resolve()


def check_images(paths: list[Path], profile: Profile, where: str) -> None:
    """Every photo must exist, decode, and be `image_size` square (the Node worker crops to 768)."""
    from PIL import Image, UnidentifiedImageError

    size = profile.image_size
    for i, path in enumerate(paths):
        name = f"{where}[{i}]"
        try:
            with Image.open(path) as img:
                img.verify()
            with Image.open(path) as img:
                w, h = img.size
        except FileNotFoundError as exc:
            raise TunerError("bad_input", f"{name}: no such file {str(path)!r}", field=name) from exc
        except (OSError, UnidentifiedImageError, SyntaxError) as exc:
            raise TunerError("bad_input", f"{name}: {str(path)!r} is not a readable image", field=name) from exc
        if (w, h) != (size, size):
            raise TunerError("bad_input", f"{name}: images must be {size}x{size}, {str(path)!r} is {w}x{h}", field=name)


# ---------------------------------------------------------------------------------------------- parsers


def parse_caption(data: Any) -> CaptionSpec:
    f = _Fields(data)
    common = _common(f)
    raw = f.get("images", list, what="a list of image paths")
    if not raw:
        raise TunerError("bad_input", "images is empty: give at least one photo", field="images")
    images = tuple(_image_path(v, f"images[{i}]") for i, v in enumerate(raw))
    spec = CaptionSpec(
        **common,
        images=images,
        max_new_tokens=f.int("max_new_tokens", 30, lo=1, hi=200),
        batch_size=f.int("batch_size", 4, lo=1),
    )
    f.finish()
    check_images(list(images), spec.profile, "images")
    return spec


def parse_train(data: Any) -> TrainSpec:
    f = _Fields(data)
    common = _common(f)
    profile: Profile = common["profile"]
    raw = f.get("instances", list, what="a list of {image, caption} objects")
    if len(raw) < MIN_TRAIN_IMAGES:
        raise TunerError(
            "bad_input",
            f"training needs at least {MIN_TRAIN_IMAGES} photos (5-7 recommended), got {len(raw)}",
            field="instances",
        )
    instances = []
    for i, item in enumerate(raw):
        inst = _Fields(item, f"instances[{i}]")
        caption = inst.get("caption", str, None)
        instances.append(Instance(_image_path(inst.data.get("image"), f"instances[{i}].image"), caption))
        inst.used.add("image")
        inst.finish()

    mode = f.get("mode", str, profile.mode, lambda v: v in ("full", "lora"), '"full" or "lora"')
    steps = f.obj("steps")
    unet_steps = steps.int("unet", 1500, lo=1)
    te_steps = steps.int("text_encoder", 200, lo=0)
    adaptive = steps.get("adaptive", bool, True, what="true or false")
    steps.finish()
    if te_steps > unet_steps:
        raise TunerError(
            "bad_spec",
            "steps.text_encoder must be <= steps.unet (the text-encoder phase is the first steps of UNet training)",
            field="steps.text_encoder",
        )
    lr = f.obj("lr")
    unet_lr = lr.float("unet", DEFAULT_LR[mode][0], strict=True)
    te_lr = lr.float("text_encoder", DEFAULT_LR[mode][1], strict=True)
    lr.finish()
    prior = f.obj("prior")
    prior_on = prior.get("enabled", bool, True, what="true or false")
    num_class = prior.int("num_class_images", profile.num_class_images, lo=1)
    prior_weight = prior.float("weight", 1.0)
    prior.finish()
    lo = f.obj("lora")
    rank = lo.int("rank", 8, lo=1)
    targets = lambda key, dflt: tuple(  # noqa: E731
        lo.get(
            key,
            list,
            list(dflt),
            lambda v: bool(v) and all(isinstance(t, str) and t for t in v),
            "a list of module names",
        )
    )
    lora = LoraSpec(
        rank=rank,
        alpha=lo.float("alpha", float(rank), strict=True),
        unet_targets=targets("unet_targets", DEFAULT_LORA_UNET_TARGETS),
        text_encoder_targets=targets("text_encoder_targets", DEFAULT_LORA_TEXT_TARGETS),
    )
    lo.finish()
    spec = TrainSpec(
        **common,
        instances=tuple(instances),
        mode=mode,
        unet_steps=unet_steps,
        text_encoder_steps=te_steps,
        adaptive_steps=adaptive,
        unet_lr=unet_lr,
        text_encoder_lr=te_lr,
        prior=prior_on,
        num_class_images=num_class,
        prior_loss_weight=prior_weight,
        lora=lora,
        batch_size=f.int("batch_size", 1, lo=1),
        checkpoint_every=f.int("checkpoint_every", 250, lo=1),
        gradient_checkpointing=f.get("gradient_checkpointing", bool, False, what="true or false"),
    )
    f.finish()
    for i, inst in enumerate(spec.instances):
        if inst.caption is not None and not inst.caption.strip():
            raise TunerError("bad_spec", f"instances[{i}].caption is empty", field=f"instances[{i}].caption")
    check_images([inst.image for inst in spec.instances], profile, "instances")
    return spec


def _scene(value: Any, where: str) -> tuple[str, int | None]:
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(SCENES):
            return SCENES[value], value
        raise TunerError("bad_spec", f"{where} must be a scene number 0-{len(SCENES) - 1}", field=where)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split()), None
    raise TunerError("bad_spec", f"{where} must be a scene number or a scene text", field=where)


def parse_generate(data: Any) -> GenerateSpec:
    f = _Fields(data)
    common = _common(f)
    weights = f.str("weights", None)
    raw = f.get("scenes", list, what="a list of scene numbers or texts")
    if not raw:
        raise TunerError("bad_spec", "scenes is empty: give scene numbers (0-19) or texts", field="scenes")
    quality = f.get("quality", bool, False, what="true or false")
    spec = GenerateSpec(
        **common,
        weights=Path(weights).resolve() if weights else None,
        prompts=tuple(_scene(v, f"scenes[{i}]") for i, v in enumerate(raw)),
        num_images=f.int("num_images", 4, lo=1, hi=64),
        steps=f.int("steps", 50 if quality else 25, lo=1, hi=500),
        guidance_scale=f.float("guidance_scale", 7.5),
        negative_prompt=f.get("negative_prompt", str, ""),
        batch_size=f.int("batch_size", 4, lo=1),
    )
    f.finish()
    if spec.weights is not None and not spec.weights.exists():
        raise TunerError("bad_input", f"weights: no such file or folder {str(spec.weights)!r}", field="weights")
    return spec
