"""Tokenizers built offline: CLIP's real BPE (from open_clip_torch's data file) and a tiny WordPiece
vocabulary for the tiny BLIP, laid out like BLIP's BERT tokenizer ([DEC]/[ENC] special tokens)."""

from __future__ import annotations

import gzip
import importlib.metadata
import re
from pathlib import Path

from .errors import ExportError

CLIP_VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
CLIP_NUM_MERGES = 49152 - 256 - 2  # CLIP's SimpleTokenizer: 48,894 merges -> 49,408 tokens


def find_clip_bpe() -> Path:
    """The BPE file inside the installed open_clip_torch distribution, found without importing it."""
    try:
        dist = importlib.metadata.distribution("open_clip_torch")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    for file in (dist.files or []) if dist else []:
        if file.name == CLIP_VOCAB_FILE:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise ExportError(
        "vocab_missing",
        f"{CLIP_VOCAB_FILE} not found: install it with `pip install --no-deps open_clip_torch==3.3.0`",
    )


def _bytes_to_unicode() -> list[str]:
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return [chr(c) for c in chars]


def clip_vocab_and_merges(path: Path | None = None) -> tuple[dict[str, int], list[tuple[str, str]]]:
    lines = gzip.open(path or find_clip_bpe()).read().decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1 : CLIP_NUM_MERGES + 1]]
    byte_chars = _bytes_to_unicode()
    tokens = byte_chars + [c + "</w>" for c in byte_chars] + ["".join(m) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    return {token: i for i, token in enumerate(tokens)}, merges


def clip_tokenizer(max_length: int = 77):
    """OpenAI CLIP's tokenizer (same ids as openai/clip-vit-*'s tokenizer.json), built offline."""
    from transformers import CLIPTokenizer

    vocab, merges = clip_vocab_and_merges()
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=max_length)


# Enough words for the scene prompts and DreamBench classes, plus every letter as a word start and
# as a "##" continuation, so any lower-case ASCII text tokenizes without [UNK].
_TINY_WORDS = """
a an the of on in with at by from to and or for into over under beside near top front behind among
sitting standing resting floating drifting nestled stands lying placed adorned
jungle mountain house wooden floor water snow tree autumn leaves background beach cobblestone street
city skyline dusk lake sand sunny tropical waves golden blue white window frames quiet afternoon
lush foliage soft rays sunlight filtering through canopy majestic capped rising clear sky charming
polished oak bright minimalist scandinavian living room peacefully tranquil surface crystal fresh
powdery snowflakes gently falling winter light vibrant colors tall serene historic charm elegantly
amidst glittering modern photo picture image
backpack sunglasses clock vase teapot sneaker boot bear teddy doll candle toy dog cat bowl can
plushie shoe cartoon glasses
""".split()


def tiny_bert_vocab() -> dict[str, int]:
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]
    punctuation = list(".,;:!?'\"-()<>/&")
    pieces = special + sorted(set(_TINY_WORDS)) + letters + ["##" + c for c in letters] + punctuation
    return {tok: i for i, tok in enumerate(dict.fromkeys(pieces))}


def tiny_blip_tokenizer(max_length: int):
    """A BERT WordPiece tokenizer with BLIP's extra special tokens ([DEC] as bos, [ENC])."""
    from transformers import BertTokenizer

    tok = BertTokenizer(vocab=tiny_bert_vocab(), do_lower_case=True, model_max_length=max_length)
    tok.add_special_tokens({"bos_token": "[DEC]", "additional_special_tokens": ["[ENC]"]})
    return tok


def strip_identifier(prompt: str) -> str:
    """The prompt without DreamBooth identifier tokens such as `<mysneaker>` (for CLIP-T and BLIP)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^<>\s]+>", " ", prompt)).strip()
