"""Prompt text: the BLIP-2 caption template, identifier insertion, scene prompts (docs/recipe.md)."""

from __future__ import annotations

import re

CAPTION_QUESTION = "Question: Based on the image, describe the context starting with 'a {class_noun}'?"

# The 20 scene prompts of docs/recipe.md: 0-9 general, 10-19 specific, thematically paired (n, n + 10).
SCENES: tuple[str, ...] = (
    "in the jungle",
    "with a mountain in the background",
    "with a house in the background",
    "on top of a wooden floor",
    "floating on top of water",
    "in the snow",
    "with a tree and autumn leaves in the background",
    "on the beach",
    "on a cobblestone street",
    "with a city in the background",
    "nestled among lush jungle foliage with soft rays of sunlight filtering through the canopy",
    "with a majestic snow-capped mountain rising in the background under a clear blue sky",
    "in front of a charming blue wooden house with white window frames on a quiet afternoon",
    "resting on a polished oak floor in a bright, minimalist Scandinavian living room",
    "peacefully drifting on the tranquil surface of a crystal-clear lake",
    "sitting in fresh powdery snow with snowflakes gently falling in soft winter light",
    "adorned with the vibrant colors of autumn leaves, standing tall beside a serene lake",
    "on golden sand at a sunny tropical beach with turquoise waves in the background",
    "stands elegantly amidst the historic charm of a cobblestone street",
    "with a glittering modern city skyline at dusk in the background",
)


def scene_kind(index: int) -> str:
    return "general" if index < 10 else "specific"


def normalize_class_noun(text: str) -> str:
    """ "Teddy  Bear" -> "teddy bear"; raises ValueError for anything but words, spaces and hyphens."""
    noun = " ".join(text.lower().split())
    if not re.fullmatch(r"[a-z][a-z0-9\-]*( [a-z0-9\-]+)*", noun):
        raise ValueError(f"class noun must be one or more plain words, got {text!r}")
    return noun


def default_identifier(class_noun: str) -> str:
    """The paper's `<my{class}>`: "teddy bear" -> "<myteddybear>"."""
    return "<my" + re.sub(r"[^a-z0-9]", "", class_noun.lower()) + ">"


def class_prompt(class_noun: str) -> str:
    """The prior-preservation prompt: the class images are generated from it and trained with it."""
    return f"a {class_noun}"


def caption_question(class_noun: str) -> str:
    return CAPTION_QUESTION.format(class_noun=class_noun)


def captioner_prompt(class_noun: str) -> str:
    """BLIP-2's question/answer prompt with the answer started as "a <class>", so the caption starts so by
    construction (OPT continues the answer; `clean_caption` still checks)."""
    return f"{caption_question(class_noun)} Answer: {class_prompt(class_noun)}"


def _class_pattern(class_noun: str) -> str:
    return r"\s+".join(re.escape(word) for word in class_noun.split())


def clean_caption(raw: str, class_noun: str) -> str:
    """Turn BLIP-2's output into a caption that starts with "a <class>".

    Strips an echoed question/"Answer:", keeps the first line, drops quotes and end punctuation,
    turns a leading "the/an/this <class>" into "a <class>", removes a repeated "a <class>" and, when
    the class noun does not lead, prefixes "a <class>".
    """
    text = raw.strip()
    question = caption_question(class_noun)
    at = text.lower().rfind(question.lower())
    if at >= 0:
        text = text[at + len(question) :]
    answer = list(re.finditer(r"answer\s*:", text, flags=re.IGNORECASE))
    if answer:
        text = text[answer[-1].end() :]
    text = text.strip().splitlines()[0] if text.strip() else ""
    text = " ".join(text.split()).strip(" \"'`")
    text = re.sub(r"[\s.,;:!?\"']+$", "", text)

    cls = _class_pattern(class_noun)
    lead = re.compile(rf"^(?:(?:a|an|the|one|this|that)\s+)?{cls}\b[\s,]*", flags=re.IGNORECASE)
    rest = text
    while (m := lead.match(rest)) is not None:
        rest = rest[m.end() :]
    prefix = class_prompt(class_noun)
    return f"{prefix} {rest}".strip() if rest else prefix


def insert_identifier(caption: str, class_noun: str, identifier: str) -> str:
    """Insert the identifier right after the first mention of the class noun:
    "a sneaker sitting on the top of a rock" -> "a sneaker <mysneaker> sitting on the top of a rock"."""
    if identifier in caption:
        return caption
    m = re.search(rf"\b{_class_pattern(class_noun)}\b", caption, flags=re.IGNORECASE)
    if m is None:
        raise ValueError(f"caption {caption!r} does not mention the class noun {class_noun!r}")
    return f"{caption[: m.end()]} {identifier}{caption[m.end() :]}"


def training_prompt(caption: str | None, class_noun: str, identifier: str) -> str:
    """The text a training photo is paired with; no caption gives DreamBooth's "a <class> <identifier>"."""
    if caption is None or not caption.strip():
        return f"{class_prompt(class_noun)} {identifier}"
    if identifier in caption:
        return " ".join(caption.split())
    return insert_identifier(clean_caption(caption, class_noun), class_noun, identifier)


def scene_prompt(scene: str, class_noun: str, identifier: str) -> str:
    """A scene ("on the beach") -> "a sneaker <mysneaker> on the beach". Text that already names the
    identifier is used as it is; text that starts with "a <class>" gets the identifier inserted."""
    scene = " ".join(scene.split())
    if identifier in scene:
        return scene
    if re.match(rf"^(?:a|an|the)\s+{_class_pattern(class_noun)}\b", scene, flags=re.IGNORECASE):
        return insert_identifier(scene, class_noun, identifier)
    return f"{class_prompt(class_noun)} {identifier} {scene}"


def exact_prompt(scene: str, class_noun: str, identifier: str, tuned: bool) -> str:
    """An exact-mode scene, painted around the product's own pixels. Tuned weights know the identifier: the
    tuned template (`scene_prompt`). The base model does not: the class noun alone, "a sneaker on the beach";
    text that names the identifier has it dropped, or replaced by "a sneaker" where the class is not named."""
    prompt = scene_prompt(scene, class_noun, identifier)
    if tuned:
        return prompt
    names_class = re.search(rf"\b{_class_pattern(class_noun)}\b", prompt, flags=re.IGNORECASE) is not None
    if names_class:
        return " ".join(prompt.replace(identifier, " ").split())
    named = re.compile(rf"(\b(?:a|an|the)\s+)?{re.escape(identifier)}", flags=re.IGNORECASE)
    return named.sub(lambda m: (m.group(1) or "a ") + class_noun, prompt)
