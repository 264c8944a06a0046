"""The offline tokenizers the scoring export ships (CLIP's real BPE, the tiny BLIP WordPiece)."""

from scenebooth_tuner.export.tokenizers import clip_tokenizer, strip_identifier, tiny_blip_tokenizer

SCENES = [
    "a sneaker on a cobblestone street",
    "a teapot peacefully drifting on the tranquil surface of a crystal-clear lake",
    "a backpack with a glittering modern city skyline at dusk in the background",
]


def test_clip_tokenizer_matches_openai_ids():
    # Ids of openai/clip-vit-large-patch14's tokenizer for this sentence (BOS ... EOS).
    assert clip_tokenizer()("a photo of a cat")["input_ids"] == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert len(clip_tokenizer()) == 49408


def test_clip_tokenizer_truncates_at_77_keeping_eos():
    ids = clip_tokenizer()(" ".join(["sunny"] * 120), truncation=True, max_length=77)["input_ids"]
    assert len(ids) == 77 and ids[0] == 49406 and ids[-1] == 49407


def test_strip_identifier_removes_dreambooth_tokens_only():
    assert strip_identifier("a sneaker <mysneaker> sitting on a rock") == "a sneaker sitting on a rock"
    assert strip_identifier("  <myvase>  a vase ") == "a vase"
    assert strip_identifier("a < b and c > d") == "a < b and c > d"


def test_tiny_blip_tokenizer_covers_scene_prompts():
    tok = tiny_blip_tokenizer(35)
    for text in SCENES:
        ids = tok(text)["input_ids"]
        assert tok.unk_token_id not in ids, text
        assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
    assert tok.convert_tokens_to_ids("[DEC]") == tok.bos_token_id
    assert tok.tokenize("[ENC] a vase")[0] == "[ENC]"
    assert tok.decode(tok(SCENES[1])["input_ids"], skip_special_tokens=True) == SCENES[1].replace("-", " - ")
