"""The offline CLIP BPE tokenizer (SD 2.1's vocabulary, read from open_clip_torch's data file)."""

import importlib.metadata

import pytest

from scenebooth_tuner.clip_bpe import build_clip_tokenizer, find_bpe_vocab
from scenebooth_tuner.errors import TunerError


def test_vocabulary_matches_clip():
    tok = build_clip_tokenizer()
    assert len(tok) == 49408
    ids = tok("a sneaker sitting on the top of a rock").input_ids
    # <|startoftext|> = 49406, "a</w>" = 320 and <|endoftext|> = 49407 in every CLIP/SD tokenizer
    assert ids[0] == 49406 and ids[1] == 320 and ids[-1] == 49407
    assert tok.convert_ids_to_tokens(ids[1:-1]) == [
        "a</w>",
        "sneaker</w>",
        "sitting</w>",
        "on</w>",
        "the</w>",
        "top</w>",
        "of</w>",
        "a</w>",
        "rock</w>",
    ]
    assert tok("A  SNEAKER").input_ids == tok("a sneaker").input_ids  # lower-cased, whitespace-normalised


def test_identifier_is_one_new_token():
    tok = build_clip_tokenizer()
    tok.add_tokens(["<mysneaker>"])
    ids = tok("a sneaker <mysneaker> sitting").input_ids
    assert tok.convert_ids_to_tokens(ids[1:-1]) == ["a</w>", "sneaker</w>", "<mysneaker>", "sitting</w>"]
    assert ids[3] == 49408


def test_missing_vocabulary_is_a_coded_error(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(TunerError) as info:
        find_bpe_vocab()
    assert info.value.code == "model_missing" and "open_clip_torch" in info.value.message
