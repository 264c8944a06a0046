"""`caption`: BLIP-2 describes each training photo with the paper's template; captions start with "a <class>"
and get the identifier inserted after the class noun."""

from __future__ import annotations

import json
import time

import torch

from .images import load_rgb
from .models import load_captioner
from .progress import Progress
from .prompts import caption_question, captioner_prompt, class_prompt, clean_caption, insert_identifier
from .runtime import retry_on_oom, runtime_for, set_threads
from .spec import CaptionResult, CaptionSpec


def _caption(spec: CaptionSpec, progress: Progress, batch_size: int) -> list[dict]:
    rt = runtime_for(spec.profile, spec.device)
    progress.start("load", 1)
    processor, model = load_captioner(spec.profile, rt)
    progress.step(1)
    prompt = captioner_prompt(spec.class_noun)
    progress.start("caption", len(spec.images))
    captions = []
    for start in range(0, len(spec.images), batch_size):
        paths = spec.images[start : start + batch_size]
        inputs = processor(images=[load_rgb(p) for p in paths], text=[prompt] * len(paths), return_tensors="pt")
        inputs = {k: v.to(rt.device) for k, v in inputs.items()}
        inputs["pixel_values"] = inputs["pixel_values"].to(rt.dtype)
        with torch.inference_mode():
            out = model.generate(**inputs, max_new_tokens=spec.max_new_tokens, do_sample=False)
        # The LM was fed the prompt (answer started with "a <class>"); keep only what it added.
        continuations = processor.tokenizer.batch_decode(
            out[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True
        )
        for path, continuation in zip(paths, continuations, strict=True):
            raw = f"{class_prompt(spec.class_noun)} {continuation.strip()}".strip()
            caption = clean_caption(raw, spec.class_noun)
            captions.append(
                {
                    "image": str(path),
                    "raw": raw,
                    "caption": caption,
                    "prompt": insert_identifier(caption, spec.class_noun, spec.identifier),
                }
            )
        progress.step(len(captions))
    return captions


def run_caption(spec: CaptionSpec, progress: Progress) -> CaptionResult:
    started = time.monotonic()
    set_threads(spec.profile)
    captions = retry_on_oom(
        lambda batch_size: _caption(spec, progress, batch_size),
        spec.batch_size,
        1 if spec.batch_size > 1 else None,
        progress,
        "out of memory; retrying one image at a time",
    )
    result: CaptionResult = {
        "command": "caption",
        "profile": spec.profile.name,
        "random_weights": spec.profile.random_weights,
        "class_noun": spec.class_noun,
        "identifier": spec.identifier,
        "question": caption_question(spec.class_noun),
        "captions": captions,
        "elapsed_s": round(time.monotonic() - started, 2),
    }
    if spec.profile.random_weights:
        result["note"] = "tiny profile: a randomly initialised captioner, the captions after 'a <class>' are noise"
    spec.output_dir.mkdir(parents=True, exist_ok=True)
    (spec.output_dir / "result.json").write_text(json.dumps(result, indent=2))
    return result
