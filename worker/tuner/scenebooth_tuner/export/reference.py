"""PyTorch reference scores for a tiny export (`models --save-torch`), computed through each model's
own full forward pass and Hugging Face's PIL image processors: what the Node scorers must match.

spec.json: {"images": {"id": "path", ...}, "references": ["id", ...],
            "candidates": [{"image": "id", "prompt": "..."}, ...]}
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch.nn.functional import cosine_similarity

from .errors import ExportError
from .tokenizers import strip_identifier

_RESAMPLE = {"bicubic": 3, "bilinear": 2}


def image_processor(pre: dict):
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    resize = pre["resize"]
    size = {"shortest_edge": resize["shortestEdge"]} if "shortestEdge" in resize else dict(resize)
    crop = pre["centerCrop"]
    return CLIPImageProcessorPil(
        size=size,
        do_center_crop=crop is not None,
        crop_size=crop or {"height": 1, "width": 1},
        resample=_RESAMPLE[pre["resample"]],
        rescale_factor=pre["rescale"],
        image_mean=pre["mean"],
        image_std=pre["std"],
    )


def compute(models_dir: Path, spec: dict, out_dir: Path) -> dict:
    from PIL import Image
    from transformers import AutoTokenizer, BlipForImageTextRetrieval, CLIPModel, ViTModel

    torch_dir = models_dir / "torch"
    if not torch_dir.is_dir():
        raise ExportError("no_torch_weights", f"{torch_dir} is missing: export with --save-torch")
    manifest = json.loads((models_dir / "manifest.json").read_text())
    m = manifest["models"]
    dino = ViTModel.from_pretrained(torch_dir / "dino", add_pooling_layer=False).eval()
    clip = CLIPModel.from_pretrained(torch_dir / "clip").eval()
    blip = BlipForImageTextRetrieval.from_pretrained(torch_dir / "blip").eval()
    toks = {
        name: AutoTokenizer.from_pretrained(models_dir / Path(m[name]["files"]["tokenizer"]).parent)
        for name in ("clip", "blip")
    }
    procs = {name: image_processor(m[name]["preprocess"]) for name in ("dino", "clip", "blip")}

    pixels_dir = out_dir / "pixels"
    pixels_dir.mkdir(parents=True, exist_ok=True)
    pixels: dict[str, dict[str, torch.Tensor]] = {}
    for image_id, path in spec["images"].items():
        image = Image.open(path).convert("RGB")
        pixels[image_id] = {}
        for name, proc in procs.items():
            px = proc(images=image, return_tensors="pt")["pixel_values"]
            pixels[image_id][name] = px
            px.numpy().astype("<f4").tofile(pixels_dir / f"{name}-{image_id}.f32")

    def encode(name: str, prompt: str):
        return toks[name](
            strip_identifier(prompt), truncation=True, max_length=m[name]["text"]["maxLength"], return_tensors="pt"
        )

    result: dict = {"tokens": {"clip": {}, "blip": {}}, "embeddings": {"dino": {}, "clip": {}}, "scores": []}
    with torch.no_grad():
        dino_emb = {i: dino(pixel_values=p["dino"]).last_hidden_state[0, 0] for i, p in pixels.items()}
        clip_emb = {i: clip.get_image_features(pixel_values=p["clip"]).pooler_output[0] for i, p in pixels.items()}
        for i in pixels:
            result["embeddings"]["dino"][i] = dino_emb[i].tolist()
            result["embeddings"]["clip"][i] = clip_emb[i].tolist()
        refs = spec["references"]
        for cand in spec["candidates"]:
            i, prompt = cand["image"], cand["prompt"]
            clip_in, blip_in = encode("clip", prompt), encode("blip", prompt)
            result["tokens"]["clip"][prompt] = clip_in["input_ids"][0].tolist()
            result["tokens"]["blip"][prompt] = blip_in["input_ids"][0].tolist()
            clip_out = clip(**clip_in, pixel_values=pixels[i]["clip"])
            itm = blip(**blip_in, pixel_values=pixels[i]["blip"], use_itm_head=True).itm_score
            itc = blip(**blip_in, pixel_values=pixels[i]["blip"], use_itm_head=False).itm_score
            mean_cos = lambda emb: float(  # noqa: E731
                np.mean([cosine_similarity(emb[i], emb[r], dim=0).item() for r in refs])
            )
            result["scores"].append(
                {
                    "image": i,
                    "prompt": prompt,
                    "dino": mean_cos(dino_emb),
                    "clipI": mean_cos(clip_emb),
                    "clipT": float((clip_out.image_embeds[0] * clip_out.text_embeds[0]).sum()),
                    "itm": float(torch.softmax(itm, dim=-1)[0, 1]),
                    "itc": float(itc[0, 0]),
                }
            )
    return result
