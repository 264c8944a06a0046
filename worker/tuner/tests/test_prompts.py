"""The caption template, identifier insertion and prompt composition, on the paper's own example."""

import pytest

from scenebooth_tuner.prompts import (
    SCENES,
    caption_question,
    captioner_prompt,
    clean_caption,
    default_identifier,
    exact_prompt,
    insert_identifier,
    normalize_class_noun,
    scene_kind,
    scene_prompt,
    training_prompt,
)

PAPER_CAPTION = "a sneaker sitting on the top of a rock"
PAPER_PROMPT = "a sneaker <mysneaker> sitting on the top of a rock"


def test_caption_question_is_the_papers_template():
    assert (
        caption_question("sneaker") == "Question: Based on the image, describe the context starting with 'a sneaker'?"
    )


def test_captioner_prompt_starts_the_answer_with_the_class():
    prompt = captioner_prompt("sneaker")
    assert prompt.startswith(caption_question("sneaker"))
    assert prompt.endswith("Answer: a sneaker")


def test_identifier_is_my_class():
    assert default_identifier("sneaker") == "<mysneaker>"
    assert default_identifier("teddy bear") == "<myteddybear>"


def test_paper_example_identifier_goes_after_the_class_noun():
    assert insert_identifier(PAPER_CAPTION, "sneaker", "<mysneaker>") == PAPER_PROMPT


def test_insertion_is_idempotent_and_uses_the_first_mention():
    assert insert_identifier(PAPER_PROMPT, "sneaker", "<mysneaker>") == PAPER_PROMPT
    assert (
        insert_identifier("a teddy bear next to another teddy bear", "teddy bear", "<myteddybear>")
        == "a teddy bear <myteddybear> next to another teddy bear"
    )


def test_insertion_without_the_class_noun_is_an_error():
    with pytest.raises(ValueError):
        insert_identifier("a shoe on a rock", "sneaker", "<mysneaker>")


@pytest.mark.parametrize(
    "raw",
    [
        # BLIP-2 echoing the whole prompt, with the paper's answer
        "Question: Based on the image, describe the context starting with 'a sneaker'? "
        "Answer: a sneaker sitting on the top of a rock.",
        # the forced answer start plus the model's continuation
        "a sneaker sitting on the top of a rock",
        # the continuation repeating the forced start
        "a sneaker a sneaker sitting on the top of a rock",
        # another article, capitals, quotes, a second line
        '"The Sneaker sitting on the top of a rock."\nQuestion: what else?',
        # the class noun without article
        "sneaker sitting on the top of a rock!",
    ],
)
def test_clean_caption_recovers_the_papers_caption(raw):
    assert clean_caption(raw, "sneaker") == PAPER_CAPTION


def test_clean_caption_forces_the_class_prefix():
    assert clean_caption("sitting on a rock", "sneaker") == "a sneaker sitting on a rock"
    assert clean_caption("", "sneaker") == "a sneaker"
    assert clean_caption("Answer:", "teddy bear") == "a teddy bear"
    assert clean_caption("an Teddy  Bear on a bed", "teddy bear") == "a teddy bear on a bed"


def test_training_prompt_from_raw_clean_or_no_caption():
    assert training_prompt(PAPER_CAPTION, "sneaker", "<mysneaker>") == PAPER_PROMPT
    assert training_prompt(PAPER_PROMPT, "sneaker", "<mysneaker>") == PAPER_PROMPT
    assert (
        training_prompt("Answer: the sneaker sitting on the top of a rock.", "sneaker", "<mysneaker>") == PAPER_PROMPT
    )
    assert training_prompt(None, "sneaker", "<mysneaker>") == "a sneaker <mysneaker>"


def test_scene_prompts():
    assert len(SCENES) == 20
    assert SCENES[8] == "on a cobblestone street" and SCENES[18].startswith("stands elegantly amidst")
    assert scene_kind(8) == "general" and scene_kind(18) == "specific"
    assert scene_prompt(SCENES[8], "sneaker", "<mysneaker>") == "a sneaker <mysneaker> on a cobblestone street"
    assert (
        scene_prompt(SCENES[18], "sneaker", "<mysneaker>")
        == "a sneaker <mysneaker> stands elegantly amidst the historic charm of a cobblestone street"
    )
    # custom text naming the subject itself
    assert (
        scene_prompt("a sneaker on a red carpet", "sneaker", "<mysneaker>") == "a sneaker <mysneaker> on a red carpet"
    )
    assert scene_prompt("a photo of <mysneaker>", "sneaker", "<mysneaker>") == "a photo of <mysneaker>"


def test_exact_prompts_name_the_identifier_only_to_tuned_weights():
    """The base model (the fast lane) does not know the identifier: it gets the class noun alone."""
    for scene, base in [
        (SCENES[8], "a sneaker on a cobblestone street"),
        ("a sneaker on a red carpet", "a sneaker on a red carpet"),
        ("a sneaker <mysneaker> on a red carpet", "a sneaker on a red carpet"),
        ("a photo of <mysneaker>", "a photo of a sneaker"),
        ("the <mysneaker> on a rug", "the sneaker on a rug"),
    ]:
        assert exact_prompt(scene, "sneaker", "<mysneaker>", tuned=False) == base
        assert exact_prompt(scene, "sneaker", "<mysneaker>", tuned=True) == scene_prompt(
            scene, "sneaker", "<mysneaker>"
        )


def test_class_noun_normalisation():
    assert normalize_class_noun("  Teddy   Bear ") == "teddy bear"
    for bad in ("", "a/b", "sneaker!", "<x>"):
        with pytest.raises(ValueError):
            normalize_class_noun(bad)
