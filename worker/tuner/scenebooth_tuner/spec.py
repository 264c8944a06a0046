"""Typed job specs and results: the tuner's side of the contract with the Node worker.

The dataclasses below ARE the wire format (field names, types, defaults): `parse_*` reads a JSON
object into them generically from `dataclasses.fields` and the annotations, and `contract.py` dumps
them for the worker's test of its TypeScript types (worker/tuner-contract.ts). A field whose default
depends on other fields (the profile's mode, the class noun's identifier) is `None` on the wire and
filled in by its parser.

Every problem becomes a coded `TunerError`. `bad_spec`: the JSON itself (a missing or wrong field,
an unknown profile). `bad_input`: the files it points at (missing, unreadable, too few, wrong size).
Field names are reported as dotted paths.
"""

from __future__ import annotations

import json
import math
import types
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict, TypeVar, Union, get_args, get_origin, get_type_hints

from .errors import TunerError
from .profiles import (
    IDENTIFIER_LR,
    IDENTIFIER_MODE,
    LR,
    SAMPLE_STEPS,
    TEXT_ENCODER_SCHEDULE,
    TEXT_ENCODER_STEPS,
    UNET_STEPS,
    Profile,
    get_profile,
)
from .prompts import SCENES, default_identifier, normalize_class_noun
from .weights_meta import weights_meta

MIN_TRAIN_IMAGES = 3  # docs/recipe.md: 5-7 recommended, at least 3 required
DEFAULT_LORA_UNET_TARGETS = ("to_q", "to_k", "to_v", "to_out.0")
DEFAULT_LORA_TEXT_TARGETS = ("q_proj", "k_proj", "v_proj", "out_proj")

Device = Literal["auto", "cpu", "cuda"]
Mode = Literal["full", "lora"]
IdentifierMode = Literal["plain", "new_token"]  # profiles.IDENTIFIER_MODE
TextEncoderSchedule = Literal["separate", "joint"]  # profiles.TEXT_ENCODER_SCHEDULE
# tuned: the whole image from the model; exact: the product's own pixels (a layer), the scene painted around them.
GenerationMode = Literal["exact", "tuned"]


def spec_field(
    default: Any = MISSING,
    *,
    factory: Any = MISSING,
    lo: float | None = None,
    hi: float | None = None,
    strict: bool = False,
    empty: bool = False,
    what: str | None = None,
    check: Any = None,
) -> Any:
    """A field with its validation: `lo`/`hi` bounds (`strict`: `> lo`), `empty` strings or lists
    allowed, `check(value)` returning the value to keep or raising ValueError with the message, `what` for a wrong type."""
    meta = {"lo": lo, "hi": hi, "strict": strict, "empty": empty, "what": what, "check": check}
    return field(default=default, default_factory=factory, metadata=meta)


def _identifier(value: str) -> str:
    if not (value.startswith("<") and value.endswith(">") and " " not in value):
        raise ValueError(f'identifier must be a token like "<mysneaker>", got {value!r}')
    return value


# ---------------------------------------------------------------------------------------------- specs


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    profile: Profile
    output_dir: Path
    class_noun: str = spec_field(check=normalize_class_noun)
    identifier: str | None = spec_field(None, check=_identifier)  # None: "<my{class_noun}>"
    seed: int = spec_field(0, hi=2**63 - 1)
    device: Device | None = None  # None: the profile's
    cache_dir: Path | None = None


@dataclass(frozen=True, kw_only=True)
class CaptionSpec(JobSpec):
    images: tuple[Path, ...] = spec_field(empty=True, what="a list of image paths")
    max_new_tokens: int = spec_field(30, lo=1, hi=200)
    batch_size: int = spec_field(4, lo=1)


@dataclass(frozen=True, kw_only=True)
class Instance:
    image: Path
    caption: str | None = None


@dataclass(frozen=True, kw_only=True)
class TrainSteps:
    unet: int = spec_field(UNET_STEPS, lo=1)
    text_encoder: int = spec_field(TEXT_ENCODER_STEPS, lo=0)
    # separate: text_encoder steps of the text encoder alone, then unet steps of the UNet alone;
    # joint: unet steps in all, the first text_encoder of them train both.
    text_encoder_schedule: TextEncoderSchedule = TEXT_ENCODER_SCHEDULE
    adaptive: bool = True


@dataclass(frozen=True, kw_only=True)
class TrainLr:
    unet: float | None = spec_field(None, lo=0.0, strict=True)  # None: profiles.LR of the mode
    text_encoder: float | None = spec_field(None, lo=0.0, strict=True)
    identifier: float | None = spec_field(None, lo=0.0, strict=True)  # new_token only; None: IDENTIFIER_LR


@dataclass(frozen=True, kw_only=True)
class PriorSpec:
    enabled: bool = True
    num_class_images: int | None = spec_field(None, lo=1)  # None: the profile's
    weight: float = spec_field(1.0, lo=0.0)


@dataclass(frozen=True, kw_only=True)
class LoraSpec:
    rank: int = spec_field(8, lo=1)
    alpha: float | None = spec_field(None, lo=0.0, strict=True)  # None: the rank
    unet_targets: tuple[str, ...] = spec_field(DEFAULT_LORA_UNET_TARGETS, what="a list of module names")
    text_encoder_targets: tuple[str, ...] = spec_field(DEFAULT_LORA_TEXT_TARGETS, what="a list of module names")


@dataclass(frozen=True, kw_only=True)
class TrainSpec(JobSpec):
    instances: tuple[Instance, ...] = spec_field(empty=True, what="a list of {image, caption} objects")
    mode: Mode | None = None  # None: the profile's
    identifier_mode: IdentifierMode = IDENTIFIER_MODE
    steps: TrainSteps = spec_field(factory=TrainSteps)
    lr: TrainLr = spec_field(factory=TrainLr)
    prior: PriorSpec = spec_field(factory=PriorSpec)
    lora: LoraSpec = spec_field(factory=LoraSpec)
    batch_size: int = spec_field(1, lo=1)
    checkpoint_every: int = spec_field(250, lo=1)
    gradient_checkpointing: bool = False


@dataclass(frozen=True, kw_only=True)
class GenerateSpec(JobSpec):
    weights: Path | None = None  # a LoRA .safetensors, a full-weights folder, or None for the base model
    scenes: tuple[int | str, ...] = spec_field(empty=True, what="a list of scene numbers or texts")
    quality: bool = False  # true: SAMPLE_STEPS even for weights that ask for fewer (a simple subject)
    num_images: int = spec_field(4, lo=1, hi=64)
    steps: int | None = spec_field(None, lo=1, hi=500)  # None: sample_steps(weights, quality)
    guidance_scale: float = spec_field(7.5, lo=0.0)
    negative_prompt: str = spec_field("", empty=True)
    batch_size: int | None = spec_field(None, lo=1)  # None: the profile's (runtime.generation_batch)
    # False: each scene is the whole prompt of a place without the product (background augmentation's
    # backgrounds, drawn by the base model); the class noun and identifier are not put in.
    product: bool = True
    # One per scene: null (tuned mode) or an RGBA PNG of the output size, the product's pixels placed on the
    # canvas with its matte as alpha (exact mode: the scene is painted around them). None: all null.
    layers: tuple[Path | None, ...] | None = spec_field(
        None, empty=True, what="a list with one RGBA PNG path or null per scene"
    )

    @property
    def prompts(self) -> tuple[tuple[str, int | None], ...]:
        """(scene text, scene index or None for custom text) per scene."""
        return tuple((SCENES[s], s) if isinstance(s, int) else (s, None) for s in self.scenes)

    @property
    def scene_layers(self) -> tuple[Path | None, ...]:
        """The layer of each scene, None for a tuned-mode scene."""
        return self.layers if self.layers is not None else (None,) * len(self.scenes)


# ---------------------------------------------------------------------------------------------- results
# What each command returns (the `{"event": "result", ...}` line, without `event`).


class CaptionItem(TypedDict):
    image: str
    raw: str
    caption: str
    prompt: str


class CaptionResult(TypedDict):
    command: Literal["caption"]
    profile: str
    random_weights: bool
    class_noun: str
    identifier: str
    question: str
    captions: list[CaptionItem]
    elapsed_s: float
    note: NotRequired[str]


class TrainedSteps(TypedDict):
    unet: int
    unet_requested: int
    text_encoder: int
    text_encoder_schedule: TextEncoderSchedule
    total: int  # separate: text_encoder + unet; joint: unet


class AdaptiveSteps(TypedDict):
    complexity: float
    simple: bool
    factor: float
    sample_steps: int


class TrainedLr(TypedDict):
    unet: float
    text_encoder: float
    identifier: float | None  # new_token only


class TrainedPrior(TypedDict):
    enabled: bool
    class_prompt: str
    num_class_images: int
    weight: float
    class_images_dir: str | None
    class_images_generated: int  # made by this job; 0 when the cache (a host's, or the fleet's) had them all


class TrainedLora(TypedDict):
    rank: int
    alpha: float
    unet_targets: list[str]
    text_encoder_targets: list[str]


class TrainResult(TypedDict):
    command: Literal["train"]
    profile: str
    random_weights: bool
    mode: Mode
    artifact: str
    artifact_bytes: int
    class_noun: str
    identifier: str
    identifier_mode: IdentifierMode
    identifier_token_id: int | None  # new_token only
    prompts: list[str]
    steps: TrainedSteps
    adaptive: AdaptiveSteps | None
    sample_steps: int  # what generate samples these weights with by default
    lr: TrainedLr
    prior: TrainedPrior
    lora: TrainedLora | None
    seed: int
    device: str
    gradient_checkpointing: bool
    losses: list[float]
    resumed_from_step: int | None
    fingerprint: str
    elapsed_s: float
    note: NotRequired[str]
    reused: NotRequired[bool]  # a retry of a finished job: its earlier result


class GeneratedImage(TypedDict):
    path: str
    prompt: str
    scene: str
    scene_index: int | None
    scene_kind: Literal["general", "specific", "custom"]
    seed: int
    mode: GenerationMode
    layer: NotRequired[str]  # exact mode: the scene's layer


class GenerateResult(TypedDict):
    command: Literal["generate"]
    profile: str
    random_weights: bool
    weights: str | None
    weights_kind: Literal["base", "full", "lora"]
    class_noun: str
    identifier: str
    steps: int
    guidance_scale: float
    negative_prompt: str
    scheduler: str
    size: int
    model_resolution: int
    batch_size: int
    device: str
    images: list[GeneratedImage]
    elapsed_s: float
    note: NotRequired[str]


# The commands the Node worker runs: spec and result of each.
COMMANDS: dict[str, tuple[type, type]] = {
    "caption": (CaptionSpec, CaptionResult),
    "train": (TrainSpec, TrainResult),
    "generate": (GenerateSpec, GenerateResult),
}


# ---------------------------------------------------------------------------------------------- parsing

T = TypeVar("T")
_TOLERATED = {"command"}  # the CLI already chose the command


def _bad(where: str, what: str) -> TunerError:
    return TunerError("bad_spec", f"{where} {what}", field=where)


def _optional(tp: Any) -> Any | None:
    """`X` for `X | None`, else None."""
    if get_origin(tp) in (Union, types.UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) < len(get_args(tp)):
            return rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
    return None


def _value(tp: Any, value: Any, where: str, meta: Any) -> Any:
    """One JSON value read as the annotation `tp` says (None was handled by the caller)."""
    meta = meta or {}
    inner = _optional(tp)
    if inner is not None:
        tp = inner
    what = meta.get("what")
    if tp is Profile:  # a profile name on the wire
        try:
            return get_profile(value)
        except TunerError as exc:
            raise TunerError("bad_spec", exc.message, field=where) from exc
    if is_dataclass(tp):
        return _object(tp, value, where)
    if get_origin(tp) is Literal:
        options = get_args(tp)
        if value not in options or isinstance(value, bool):
            quoted = [json.dumps(o) for o in options]
            raise _bad(where, f"must be {', '.join(quoted[:-1])} or {quoted[-1]}")
        return value
    if get_origin(tp) is tuple:
        if not isinstance(value, list):
            raise _bad(where, f"must be {what or 'a list'}")
        if not value and not meta.get("empty"):
            raise _bad(where, f"must be {what or 'a list'}, not empty")
        item = get_args(tp)[0]
        nullable = _optional(item) is not None
        return tuple(
            None if v is None and nullable else _value(item, v, f"{where}[{i}]", None) for i, v in enumerate(value)
        )
    if get_origin(tp) in (Union, types.UnionType):  # int | str: the first that the JSON type matches
        for option in get_args(tp):
            if _json_type_matches(option, value):
                return _value(option, value, where, meta)
        raise _bad(where, f"must be {' or '.join(_kind_name(o) for o in get_args(tp))}")
    if not _json_type_matches(tp, value):
        raise _bad(where, f"must be {_kind_name(tp, meta)}")
    if tp is float:
        value = float(value)
    if tp in (int, float):
        lo, hi = meta.get("lo"), meta.get("hi")
        lo = 0 if lo is None else lo
        if (value <= lo if meta.get("strict") else value < lo) or (hi is not None and value > hi):
            raise _bad(where, f"must be {_kind_name(tp, meta)}")
    if tp in (str, Path):
        if not value.strip() and not meta.get("empty"):
            raise _bad(where, f"must be {_kind_name(tp, meta)}")
    if meta.get("check") is not None:
        try:
            value = meta["check"](value)
        except ValueError as exc:
            raise TunerError("bad_spec", str(exc), field=where) from exc
    return Path(value).resolve() if tp is Path else value


def _json_type_matches(tp: Any, value: Any) -> bool:
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if tp in (str, Path):
        return isinstance(value, str)
    return False


def _kind_name(tp: Any, meta: Any = None) -> str:
    meta = meta or {}
    if meta.get("what"):
        return meta["what"]
    lo, hi = meta.get("lo"), meta.get("hi")
    if tp is int:
        return f"an integer >= {0 if lo is None else lo}" + (f" and <= {hi}" if hi is not None else "")
    if tp is float:
        return f"a number {'>' if meta.get('strict') else '>='} {0.0 if lo is None else lo}"
    return {
        bool: "true or false",
        str: "a string" if meta.get("empty") else "a non-empty string",
        Path: "a file path",
    }.get(tp, getattr(tp, "__name__", str(tp)))


def _object(cls: type[T], data: Any, where: str = "") -> T:
    """A JSON object read into the dataclass `cls`: each field by its annotation, a missing or null
    field by its default (required when it has none), an unknown key refused."""
    if not isinstance(data, dict):
        raise TunerError("bad_spec", f"{where or 'the spec'} must be a JSON object", field=where or None)
    hints = get_type_hints(cls)
    values = {}
    for f in fields(cls):
        name = f"{where}.{f.name}" if where else f.name
        raw = data.get(f.name)
        if raw is None:
            if f.default is MISSING and f.default_factory is MISSING:
                raise _bad(name, "is required")
            continue
        values[f.name] = _value(hints[f.name], raw, name, f.metadata)
    known = {f.name for f in fields(cls)} | (_TOLERATED if not where else set())
    unknown = sorted(set(data) - known)
    if unknown:
        raise _bad(f"{where}.{unknown[0]}" if where else unknown[0], "is not a known field")
    return cls(**values)


def load_spec_file(path: str | Path) -> dict:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise TunerError("bad_spec", f"cannot read the spec file {str(path)!r}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TunerError("bad_spec", f"the spec is not valid JSON: {exc}") from exc


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
            raise TunerError(
                "bad_input", f"{name}: images must be {size}x{size}, {str(path)!r} is {w}x{h}", field=name
            )


def check_layers(layers: tuple[Path | None, ...], profile: Profile) -> None:
    """Every exact-mode layer must be an RGBA PNG of the output size (its alpha is the product's matte)."""
    from PIL import Image, UnidentifiedImageError

    size = profile.image_size
    for i, path in enumerate(layers):
        if path is None:
            continue
        try:
            with Image.open(path) as img:
                img.verify()
            with Image.open(path) as img:
                kind, mode, (w, h) = img.format, img.mode, img.size
                alpha = img.getchannel("A").getextrema() if mode == "RGBA" else None
        except FileNotFoundError as exc:
            raise _bad_layer(i, f"no such file {str(path)!r}") from exc
        except (OSError, UnidentifiedImageError, SyntaxError) as exc:
            raise _bad_layer(i, f"{str(path)!r} is not a readable image") from exc
        if kind != "PNG" or mode != "RGBA":
            raise _bad_layer(
                i, f"{str(path)!r} is a {kind} {mode} image, not an RGBA PNG (alpha: the product's matte)"
            )
        if (w, h) != (size, size):
            raise _bad_layer(i, f"layers must be {size}x{size} (the output size), {str(path)!r} is {w}x{h}")
        # A matte of one value is a lost matte: no product to keep, or no scene left to paint.
        if alpha == (0, 0):
            raise _bad_layer(i, f"{str(path)!r} is transparent everywhere: its alpha holds no product")
        if alpha == (255, 255):
            raise _bad_layer(i, f"{str(path)!r} is opaque everywhere: its alpha leaves no scene to paint")


def _bad_layer(i: int, problem: str) -> TunerError:
    return TunerError("bad_input", f"layers[{i}]: {problem}", field="layers")


def _job(cls: type[T], data: Any) -> T:
    """The spec read generically, with the identifier that follows from the class noun."""
    spec = _object(cls, data)
    if spec.identifier is None:
        spec = replace(spec, identifier=default_identifier(spec.class_noun))
    return spec


# ---------------------------------------------------------------------------------------------- parsers


def parse_caption(data: Any) -> CaptionSpec:
    spec = _job(CaptionSpec, data)
    if not spec.images:
        raise TunerError("bad_input", "images is empty: give at least one photo", field="images")
    check_images(list(spec.images), spec.profile, "images")
    return spec


def parse_train(data: Any) -> TrainSpec:
    spec = _job(TrainSpec, data)
    if len(spec.instances) < MIN_TRAIN_IMAGES:
        raise TunerError(
            "bad_input",
            f"training needs at least {MIN_TRAIN_IMAGES} photos (5-7 recommended), got {len(spec.instances)}",
            field="instances",
        )
    if spec.steps.text_encoder_schedule == "joint" and spec.steps.text_encoder > spec.steps.unet:
        raise TunerError(
            "bad_spec",
            "steps.text_encoder must be <= steps.unet in the joint schedule (its text-encoder phase is the "
            "first steps of UNet training)",
            field="steps.text_encoder",
        )
    mode = spec.mode or spec.profile.mode
    unet_lr, te_lr = LR[mode]
    spec = replace(
        spec,
        mode=mode,
        lr=TrainLr(
            unet=spec.lr.unet or unet_lr,
            text_encoder=spec.lr.text_encoder or te_lr,
            identifier=(spec.lr.identifier or IDENTIFIER_LR) if spec.identifier_mode == "new_token" else None,
        ),
        prior=replace(spec.prior, num_class_images=spec.prior.num_class_images or spec.profile.num_class_images),
        lora=replace(spec.lora, alpha=spec.lora.alpha or float(spec.lora.rank)),
    )
    check_images([inst.image for inst in spec.instances], spec.profile, "instances")
    return spec


def parse_generate(data: Any) -> GenerateSpec:
    spec = _job(GenerateSpec, data)
    if not spec.scenes:
        raise TunerError("bad_spec", "scenes is empty: give scene numbers (0-19) or texts", field="scenes")
    scenes = []
    for i, scene in enumerate(spec.scenes):
        if isinstance(scene, int) and not 0 <= scene < len(SCENES):
            raise _bad(f"scenes[{i}]", f"must be a scene number 0-{len(SCENES) - 1}")
        scenes.append(scene if isinstance(scene, int) else " ".join(scene.split()))
    if spec.weights is not None and not spec.weights.exists():
        raise TunerError("bad_input", f"weights: no such file or folder {str(spec.weights)!r}", field="weights")
    if spec.layers is not None:
        if len(spec.layers) != len(spec.scenes):
            raise _bad("layers", f"must have one entry per scene ({len(spec.scenes)}), got {len(spec.layers)}")
        check_layers(spec.layers, spec.profile)
    steps = spec.steps if spec.steps is not None else sample_steps(spec.weights, spec.quality)
    return replace(spec, scenes=tuple(scenes), steps=steps)


def sample_steps(weights: Path | None, quality: bool) -> int:
    """The recipe's sampling steps: SAMPLE_STEPS, or the fewer that the weights' training chose for a
    simple subject (recorded in their metadata) unless `quality` asks for the full count."""
    if quality or weights is None:
        return SAMPLE_STEPS
    recorded = weights_meta(weights).get("sample_steps")
    return int(recorded) if str(recorded).isdigit() and int(recorded) > 0 else SAMPLE_STEPS


# ---------------------------------------------------------------------------------------------- contract


def _jsonable(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, Path) else value


def describe(tp: Any) -> dict:
    """A language-neutral description of an annotation: what worker/tuner-contract.ts mirrors."""
    inner = _optional(tp)
    if inner is not None:
        return {"kind": "nullable", "of": describe(inner)}
    if tp is Profile:
        from .profiles import PROFILES

        return {"kind": "enum", "values": list(PROFILES)}
    if get_origin(tp) is Literal:
        return {"kind": "enum", "values": list(get_args(tp))}
    if get_origin(tp) in (Union, types.UnionType):
        return {"kind": "union", "of": [describe(a) for a in get_args(tp)]}
    if get_origin(tp) in (tuple, list):
        return {"kind": "list", "of": describe(get_args(tp)[0])}
    if is_dataclass(tp):
        hints = get_type_hints(tp)
        described = {}
        for f in fields(tp):
            entry: dict[str, Any] = {"type": describe(hints[f.name]), "required": _required(f)}
            if not entry["required"]:
                entry["default"] = _jsonable(f.default if f.default is not MISSING else f.default_factory())
            described[f.name] = entry
        return {"kind": "object", "fields": described}
    if isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__"):  # a TypedDict
        # NotRequired read from the annotations: __required_keys__ misses it under `from __future__ import annotations`.
        hints = get_type_hints(tp, include_extras=True)
        optional = {k for k, t in hints.items() if get_origin(t) is NotRequired}
        return {
            "kind": "object",
            "fields": {
                k: {"type": describe(get_args(t)[0] if k in optional else t), "required": k not in optional}
                for k, t in hints.items()
            },
        }
    names = {str: "string", Path: "path", int: "integer", float: "number", bool: "boolean"}
    if tp in names:
        return {"kind": names[tp]}
    raise TypeError(f"no contract description for {tp!r}")


def _required(f: Field) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def contract() -> dict:
    """Every command's spec and result, described (`python -m scenebooth_tuner contract`)."""
    return {name: {"spec": describe(spec), "result": describe(result)} for name, (spec, result) in COMMANDS.items()}
