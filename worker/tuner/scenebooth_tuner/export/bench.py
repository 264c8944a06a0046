"""PyTorch throughput of each metric on an export's torch weights (`models --save-torch`): the
baseline the Node scorers' throughput is reported against. Same definitions as the Node benchmark:
one candidate = decode + preprocess + the model calls that metric needs (text not cached)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from torch.nn.functional import cosine_similarity

from .reference import image_processor
from .tokenizers import strip_identifier


def run(models_dir: Path, images: list[str], prompt: str, seconds: float) -> dict[str, float]:
    from PIL import Image
    from transformers import AutoTokenizer, BlipForImageTextRetrieval, CLIPModel, ViTModel

    manifest = json.loads((models_dir / "manifest.json").read_text())
    m = manifest["models"]
    torch_dir = models_dir / "torch"
    dino = ViTModel.from_pretrained(torch_dir / "dino", add_pooling_layer=False).eval()
    clip = CLIPModel.from_pretrained(torch_dir / "clip").eval()
    blip = BlipForImageTextRetrieval.from_pretrained(torch_dir / "blip").eval()
    tok = {
        n: AutoTokenizer.from_pretrained(models_dir / Path(m[n]["files"]["tokenizer"]).parent)
        for n in ("clip", "blip")
    }
    proc = {n: image_processor(m[n]["preprocess"]) for n in ("dino", "clip", "blip")}
    text = strip_identifier(prompt)

    def pixels(name: str, path: str):
        return proc[name](images=Image.open(path).convert("RGB"), return_tensors="pt")["pixel_values"]

    def enc(name: str):
        return tok[name](text, truncation=True, max_length=m[name]["text"]["maxLength"], return_tensors="pt")

    with torch.no_grad():
        ref_dino = dino(pixel_values=pixels("dino", images[0])).last_hidden_state[:, 0]
        ref_clip = clip.get_image_features(pixel_values=pixels("clip", images[0])).pooler_output
        metrics = {
            "dino": lambda p: cosine_similarity(
                dino(pixel_values=pixels("dino", p)).last_hidden_state[:, 0], ref_dino
            ),
            "clipI": lambda p: cosine_similarity(
                clip.get_image_features(pixel_values=pixels("clip", p)).pooler_output, ref_clip
            ),
            "clipT": lambda p: cosine_similarity(
                clip.get_image_features(pixel_values=pixels("clip", p)).pooler_output,
                clip.get_text_features(**enc("clip")).pooler_output,
            ),
            "itm": lambda p: blip(**enc("blip"), pixel_values=pixels("blip", p), use_itm_head=True).itm_score.softmax(
                -1
            ),
            "itc": lambda p: blip(**enc("blip"), pixel_values=pixels("blip", p), use_itm_head=False).itm_score,
        }

        def all_five(p: str):
            image = Image.open(p).convert("RGB")
            px = {n: proc[n](images=image, return_tensors="pt")["pixel_values"] for n in proc}
            cosine_similarity(dino(pixel_values=px["dino"]).last_hidden_state[:, 0], ref_dino)
            clip_out = clip(**enc("clip"), pixel_values=px["clip"])
            cosine_similarity(clip_out.image_embeds, ref_clip)
            blip(**enc("blip"), pixel_values=px["blip"], use_itm_head=True).itm_score.softmax(-1)
            blip(**enc("blip"), pixel_values=px["blip"], use_itm_head=False)

        metrics["all"] = all_five
        result = {}
        for name, fn in metrics.items():
            fn(images[0])  # warm-up
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                fn(images[count % len(images)])
                count += 1
            result[name] = count / (time.perf_counter() - start)
    return result
