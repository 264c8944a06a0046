"""The jobs the Node worker runs, from a spec read as JSON: by the one-shot commands and by `serve`."""

from __future__ import annotations

from .progress import Progress

JOBS = ("caption", "train", "generate")


def run_job(command: str, data: object, progress: Progress) -> dict:
    return run_parsed(command, parse_job(command, data), progress)


def parse_job(command: str, data: object):
    """The spec, checked before torch and the model libraries load: a bad spec fails in a blink."""
    from . import spec as specs

    return {"caption": specs.parse_caption, "train": specs.parse_train, "generate": specs.parse_generate}[command](
        data
    )


def run_parsed(command: str, spec, progress: Progress) -> dict:
    import torch

    # What a job draws outside its own seeded generators (LoRA layers' first weights) follows its seed, so
    # it is the same in a fresh process and in `serve` after any number of other jobs.
    torch.manual_seed(spec.seed)
    if command == "caption":
        from .caption import run_caption

        return run_caption(spec, progress)
    if command == "train":
        from .train import run_train

        return run_train(spec, progress)
    from .generate import run_generate

    return run_generate(spec, progress)
