"""The `tiny` profile's weights: SD 2.1- and BLIP-2-shaped models, randomly initialised from config dicts.

They are written once into a local model folder with the same layout as the real ones, so every
command loads `tiny` exactly as it loads `sd21`. Their outputs are noise; they exist for tests and
the demo. Bump TINY_VERSION when a config changes so stale folders are rebuilt.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

TINY_VERSION = "1"
SEED = 0

UNET = dict(
    sample_size=8,
    in_channels=4,
    out_channels=4,
    layers_per_block=1,
    block_out_channels=(32, 64),
    down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=32,
    attention_head_dim=(2, 4),
    use_linear_projection=True,  # as SD 2.x
    norm_num_groups=32,
)
VAE = dict(
    sample_size=64,
    in_channels=3,
    out_channels=3,
    latent_channels=4,
    layers_per_block=1,
    block_out_channels=(16, 32, 32, 32),  # four blocks: 8x downsampling, as SD
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
    norm_num_groups=16,
    scaling_factor=0.18215,
)
TEXT_ENCODER = dict(
    vocab_size=49408,
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    max_position_embeddings=77,
    hidden_act="gelu",
    projection_dim=32,
    bos_token_id=49406,
    eos_token_id=49407,
    pad_token_id=0,
)
# SD 2.1's scheduler settings (v-prediction, scaled-linear betas).
SCHEDULER = dict(
    num_train_timesteps=1000,
    beta_start=0.00085,
    beta_end=0.012,
    beta_schedule="scaled_linear",
    prediction_type="v_prediction",
    clip_sample=False,
    steps_offset=1,
)
IMAGE_TOKEN_ID = 49408  # the captioner's "<image>" token, appended to the CLIP vocabulary
CAPTIONER = dict(
    vision_config=dict(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8
    ),
    qformer_config=dict(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, encoder_hidden_size=32
    ),
    text_config=dict(
        model_type="opt",
        vocab_size=49409,
        hidden_size=32,
        word_embed_proj_dim=32,
        ffn_dim=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=128,
        bos_token_id=49406,
        eos_token_id=49407,
        pad_token_id=0,
    ),
    num_query_tokens=4,
    image_token_index=IMAGE_TOKEN_ID,
)


def ensure_tiny_models(root: Path) -> Path:
    """Return `root/tiny-v<N>`, building it first if it does not exist (atomically: safe for parallel jobs)."""
    dest = root / f"tiny-v{TINY_VERSION}"
    if (dest / "model_index.json").is_file():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tiny-", dir=root))
    try:
        _write_tiny(tmp)
        try:
            os.rename(tmp, dest)
        except OSError:  # another job finished first
            if not (dest / "model_index.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _write_tiny(dest: Path) -> None:
    import torch
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from .clip_bpe import build_clip_tokenizer

    torch.manual_seed(SEED)
    UNet2DConditionModel(**UNET).save_pretrained(dest / "unet")
    AutoencoderKL(**VAE).save_pretrained(dest / "vae")
    CLIPTextModel(CLIPTextConfig(**TEXT_ENCODER)).save_pretrained(dest / "text_encoder")
    build_clip_tokenizer().save_pretrained(dest / "tokenizer")
    DDPMScheduler(**SCHEDULER).save_pretrained(dest / "scheduler")
    _write_tiny_captioner(dest / "captioner")
    # Written last: its presence marks a complete folder.
    (dest / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline", "_scenebooth": "tiny"}\n')


def _write_tiny_captioner(dest: Path) -> None:
    from tokenizers import decoders, processors
    from transformers import Blip2Config, Blip2ForConditionalGeneration, Blip2Processor, PreTrainedTokenizerFast
    from transformers.models.blip.image_processing_pil_blip import BlipImageProcessorPil

    from .clip_bpe import build_clip_tokenizer

    # A causal LM prompt takes a start token but no end token; decoding turns "</w>" back into spaces.
    backend = build_clip_tokenizer(model_max_length=128).backend_tokenizer
    backend.post_processor = processors.TemplateProcessing(
        single="<|startoftext|> $A", special_tokens=[("<|startoftext|>", 49406)]
    )
    backend.decoder = decoders.Sequence([decoders.ByteLevel(), decoders.Replace("</w>", " "), decoders.Strip(" ")])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|startoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        pad_token="!",
        model_max_length=128,
    )
    size = CAPTIONER["vision_config"]["image_size"]
    image_processor = BlipImageProcessorPil(size={"height": size, "width": size})
    processor = Blip2Processor(image_processor, tokenizer, num_query_tokens=CAPTIONER["num_query_tokens"])
    assert tokenizer.convert_tokens_to_ids("<image>") == IMAGE_TOKEN_ID
    processor.save_pretrained(dest)
    Blip2ForConditionalGeneration(Blip2Config(**CAPTIONER)).save_pretrained(dest)
