"""The ONNX graphs the Node scorers run, one job each, all with a dynamic batch (and text length).

dino_vision:  pixel_values -> cls (DINO CLS embedding, after the final layer norm)
clip_vision:  pixel_values -> image_embeds (projected, not normalised)
clip_text:    input_ids, attention_mask -> text_embeds (projected, not normalised)
blip_vision:  pixel_values -> image_embeds (the full token sequence, for ITM), image_feat (ITC, normalised)
blip_text:    input_ids, attention_mask -> text_feat (ITC, normalised; text-only encoder pass)
blip_itm:     input_ids, attention_mask, image_embeds -> itm_logits ([no match, match])
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn
from torch.nn.functional import normalize

from .models import ScoringModel

OPSET = 18


class DinoVision(nn.Module):
    def __init__(self, vit):
        super().__init__()
        self.vit = vit

    def forward(self, pixel_values):
        return self.vit(pixel_values=pixel_values).last_hidden_state[:, 0]


class ClipVision(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, pixel_values):
        return self.clip.get_image_features(pixel_values=pixel_values).pooler_output


class ClipText(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, input_ids, attention_mask):
        return self.clip.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output


class BlipVision(nn.Module):
    def __init__(self, blip):
        super().__init__()
        self.blip = blip

    def forward(self, pixel_values):
        seq = self.blip.vision_model(pixel_values=pixel_values).last_hidden_state
        return seq, normalize(self.blip.vision_proj(seq[:, 0, :]), dim=-1)


class BlipText(nn.Module):
    def __init__(self, blip):
        super().__init__()
        self.blip = blip

    def forward(self, input_ids, attention_mask):
        out = self.blip.text_encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return normalize(self.blip.text_proj(out[:, 0, :]), dim=-1)


class BlipItm(nn.Module):
    def __init__(self, blip):
        super().__init__()
        self.blip = blip

    def forward(self, input_ids, attention_mask, image_embeds):
        image_atts = torch.ones(image_embeds.shape[:-1], dtype=torch.long)
        out = self.blip.text_encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            encoder_hidden_states=image_embeds,
            encoder_attention_mask=image_atts,
        ).last_hidden_state
        return self.blip.itm_head(out[:, 0, :])


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], dims: dict) -> None:
    batch = torch.export.Dim("batch", min=1, max=1024)
    seq = torch.export.Dim("sequence", min=2, max=512)
    named = {"batch": batch, "sequence": seq}
    dynamic_shapes = tuple({axis: named[name] for axis, name in dims[i].items()} for i in inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=inputs,
            output_names=outputs,
            dynamic_shapes=dynamic_shapes,
            opset_version=OPSET,
            dynamo=True,
            verbose=False,
        )


def export_all(models: dict[str, ScoringModel], out: Path) -> dict[str, dict[str, str]]:
    """Writes the six graphs into `out`; returns {model: {role: file name}}."""
    dino, clip, blip = models["dino"], models["clip"], models["blip"]
    px = lambda pre: torch.zeros(  # noqa: E731
        2,
        3,
        pre["centerCrop"]["height"] if pre["centerCrop"] else pre["resize"]["height"],
        pre["centerCrop"]["width"] if pre["centerCrop"] else pre["resize"]["width"],
    )
    ids = torch.tensor([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]])
    mask = torch.ones_like(ids)
    image_dims = {"pixel_values": {0: "batch"}}
    text_dims = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}
    ids_clip = ids.clone()
    ids_clip[:, -1] = clip.model.config.text_config.eos_token_id
    with torch.no_grad():
        _export(
            DinoVision(dino.model),
            (px(dino.preprocess),),
            out / "dino_vision.onnx",
            ["pixel_values"],
            ["cls"],
            image_dims,
        )
        _export(
            ClipVision(clip.model),
            (px(clip.preprocess),),
            out / "clip_vision.onnx",
            ["pixel_values"],
            ["image_embeds"],
            image_dims,
        )
        _export(
            ClipText(clip.model),
            (ids_clip, mask),
            out / "clip_text.onnx",
            ["input_ids", "attention_mask"],
            ["text_embeds"],
            text_dims,
        )
        _export(
            BlipVision(blip.model),
            (px(blip.preprocess),),
            out / "blip_vision.onnx",
            ["pixel_values"],
            ["image_embeds", "image_feat"],
            image_dims,
        )
        _export(
            BlipText(blip.model),
            (ids, mask),
            out / "blip_text.onnx",
            ["input_ids", "attention_mask"],
            ["text_feat"],
            text_dims,
        )
        image_embeds = BlipVision(blip.model)(px(blip.preprocess))[0]
        _export(
            BlipItm(blip.model),
            (ids, mask, image_embeds),
            out / "blip_itm.onnx",
            ["input_ids", "attention_mask", "image_embeds"],
            ["itm_logits"],
            {**text_dims, "image_embeds": {0: "batch"}},
        )
    return {
        "dino": {"vision": "dino_vision.onnx"},
        "clip": {"vision": "clip_vision.onnx", "text": "clip_text.onnx"},
        "blip": {"vision": "blip_vision.onnx", "text": "blip_text.onnx", "itm": "blip_itm.onnx"},
    }
