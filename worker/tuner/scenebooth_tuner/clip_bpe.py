"""The CLIP BPE tokenizer built offline from the vocabulary that PyPI's `open_clip_torch` ships.

SD 2.1's text encoder uses exactly this BPE (49,408 tokens). open_clip_torch is installed with
`pip install --no-deps open_clip_torch==3.3.0` (its torchvision dependency is not installable
everywhere), and it is never imported: we only read its data file.
"""

from __future__ import annotations

import gzip
import importlib.metadata
from pathlib import Path

from .errors import TunerError

VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
NUM_MERGES = 49152 - 256 - 2  # as in CLIP's SimpleTokenizer: 48,894 merges -> 49,408 tokens


def find_bpe_vocab() -> Path:
    try:
        dist = importlib.metadata.distribution("open_clip_torch")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    for file in (dist.files or []) if dist else []:
        if file.name == VOCAB_FILE:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise TunerError(
        "model_missing",
        "the CLIP BPE vocabulary is missing: install it with `pip install --no-deps open_clip_torch==3.3.0`",
        missing=VOCAB_FILE,
    )


def _bytes_to_unicode() -> dict[int, str]:
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


def clip_vocab_and_merges(path: Path | None = None) -> tuple[dict[str, int], list[tuple[str, str]]]:
    lines = gzip.open(path or find_bpe_vocab()).read().decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1 : NUM_MERGES + 1]]
    byte_chars = list(_bytes_to_unicode().values())
    tokens = byte_chars + [c + "</w>" for c in byte_chars] + ["".join(m) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    return {token: i for i, token in enumerate(tokens)}, merges


def build_clip_tokenizer(model_max_length: int = 77):
    from transformers import CLIPTokenizer

    vocab, merges = clip_vocab_and_merges()
    # SD 2.x pads with "!" (id 0), as open_clip does.
    return CLIPTokenizer(vocab=vocab, merges=merges, pad_token="!", model_max_length=model_max_length)
