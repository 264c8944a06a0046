"""The three scoring models, tiny (seeded random init from config dicts) or real (pretrained).

Each is returned with the preprocessing its checkpoint expects and its text limits; `graphs.py`
turns them into ONNX. The real branch needs the weights from the Hugging Face hub and only runs
where they can be downloaded (never in tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

# The checkpoints the paper's metrics use; CLIP can be reconfigured (e.g. ViT-B/32 for speed).
REAL_SOURCES = {
    "dino": "facebook/dino-vits16",
    "clip": "openai/clip-vit-large-patch14",
    "blip": "Salesforce/blip-itm-large-coco",
}

# CLIP: resize the shortest edge to 224 (bicubic), center crop 224, OpenAI mean/std (CLIPImageProcessor).
CLIP_PREPROCESS = {
    "resize": {"shortestEdge": 224},
    "resample": "bicubic",
    "centerCrop": {"height": 224, "width": 224},
    "rescale": 1 / 255,
    "mean": OPENAI_CLIP_MEAN,
    "std": OPENAI_CLIP_STD,
}
# DINO: the DINO repository's evaluation transform (Resize(256, bicubic), CenterCrop(224), ImageNet
# mean/std), which DreamBooth's DINO metric follows; the hub's ViTImageProcessor config (a 224x224
# bilinear squash) would distort non-square photos.
DINO_PREPROCESS = {
    "resize": {"shortestEdge": 256},
    "resample": "bicubic",
    "centerCrop": {"height": 224, "width": 224},
    "rescale": 1 / 255,
    "mean": IMAGENET_MEAN,
    "std": IMAGENET_STD,
}
# BLIP: 384x384 bicubic (no crop), OpenAI mean/std (BlipImageProcessor).
BLIP_PREPROCESS = {
    "resize": {"height": 384, "width": 384},
    "resample": "bicubic",
    "centerCrop": None,
    "rescale": 1 / 255,
    "mean": OPENAI_CLIP_MEAN,
    "std": OPENAI_CLIP_STD,
}

# BLIP's own ITM/ITC evaluation truncates captions at 35 tokens.
BLIP_MAX_TEXT = 35
CLIP_MAX_TEXT = 77

TINY_SEED = 0
# Larger-than-default init scales so tiny embeddings depend strongly on the input: a preprocessing
# or tokenization slip then moves the parity scores far beyond the 1e-4 tolerance.
TINY_DINO = dict(
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    image_size=224,
    patch_size=16,
    qkv_bias=True,
    layer_norm_eps=1e-6,
    initializer_range=0.2,
)
TINY_CLIP_TEXT = dict(
    vocab_size=49408,
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    max_position_embeddings=CLIP_MAX_TEXT,
    bos_token_id=49406,
    eos_token_id=49407,
    pad_token_id=49407,
    initializer_factor=10.0,
)
TINY_CLIP_VISION = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    image_size=224,
    patch_size=32,
    initializer_factor=10.0,
)
TINY_BLIP_VISION = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    image_size=384,
    patch_size=32,
    initializer_range=0.2,
)
TINY_BLIP_TEXT = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    max_position_embeddings=64,
    initializer_range=0.2,
)


@dataclass
class ScoringModel:
    name: str
    model: Any
    preprocess: dict
    source: str
    tokenizer: Any = None
    text: dict = field(default_factory=dict)


def _seeded(seed: int):
    torch.manual_seed(seed)


def tiny_models(seed: int = TINY_SEED) -> dict[str, ScoringModel]:
    from transformers import BlipConfig, BlipForImageTextRetrieval, CLIPConfig, CLIPModel, ViTConfig, ViTModel

    from .tokenizers import clip_tokenizer, tiny_blip_tokenizer

    _seeded(seed)
    dino = ViTModel(ViTConfig(**TINY_DINO), add_pooling_layer=False).eval()
    _seeded(seed + 1)
    clip = CLIPModel(
        CLIPConfig(
            text_config=TINY_CLIP_TEXT, vision_config=TINY_CLIP_VISION, projection_dim=16, initializer_factor=10.0
        )
    ).eval()
    blip_tok = tiny_blip_tokenizer(BLIP_MAX_TEXT)
    _seeded(seed + 2)
    blip = BlipForImageTextRetrieval(
        BlipConfig(
            text_config=dict(
                TINY_BLIP_TEXT,
                vocab_size=len(blip_tok),
                pad_token_id=blip_tok.pad_token_id,
                bos_token_id=blip_tok.bos_token_id,
                sep_token_id=blip_tok.sep_token_id,
            ),
            vision_config=TINY_BLIP_VISION,
            image_text_hidden_size=16,
            initializer_range=0.2,
        )
    ).eval()
    source = f"tiny-random(seed={seed})"
    return {
        "dino": ScoringModel("dino", dino, DINO_PREPROCESS, source),
        "clip": ScoringModel(
            "clip", clip, CLIP_PREPROCESS, source, clip_tokenizer(CLIP_MAX_TEXT), {"maxLength": CLIP_MAX_TEXT}
        ),
        "blip": ScoringModel("blip", blip, BLIP_PREPROCESS, source, blip_tok, {"maxLength": BLIP_MAX_TEXT}),
    }


def real_models(sources: dict[str, str] | None = None) -> dict[str, ScoringModel]:
    """Pretrained checkpoints from the hub (needs network access to it, or a warm HF cache)."""
    from transformers import AutoTokenizer, BlipForImageTextRetrieval, CLIPModel, ViTModel

    src = {**REAL_SOURCES, **(sources or {})}
    dino = ViTModel.from_pretrained(src["dino"], add_pooling_layer=False).eval()
    clip = CLIPModel.from_pretrained(src["clip"]).eval()
    blip = BlipForImageTextRetrieval.from_pretrained(src["blip"]).eval()
    clip_size = clip.config.vision_config.image_size
    clip_pre = {
        **CLIP_PREPROCESS,
        "resize": {"shortestEdge": clip_size},
        "centerCrop": {"height": clip_size, "width": clip_size},
    }
    blip_size = blip.config.vision_config.image_size
    blip_pre = {**BLIP_PREPROCESS, "resize": {"height": blip_size, "width": blip_size}}
    return {
        "dino": ScoringModel("dino", dino, DINO_PREPROCESS, src["dino"]),
        "clip": ScoringModel(
            "clip",
            clip,
            clip_pre,
            src["clip"],
            AutoTokenizer.from_pretrained(src["clip"]),
            {"maxLength": clip.config.text_config.max_position_embeddings},
        ),
        "blip": ScoringModel(
            "blip",
            blip,
            blip_pre,
            src["blip"],
            AutoTokenizer.from_pretrained(src["blip"]),
            {"maxLength": BLIP_MAX_TEXT},
        ),
    }
