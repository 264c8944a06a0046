"""Command-line entry: `python -m scenebooth_tuner <caption|train|generate> --spec job.json`;
`contract` prints the commands' specs and results (scenebooth_tuner/spec.py) as JSON;
`esrgan-finetune` and `esrgan-pairs` fine-tune and evaluate the upscaler (scenebooth_tuner/esrgan).

stdout carries JSON lines only: progress events, then one `{"event": "result", ...}` line (exit 0)
or one `{"event": "error", "code": ..., "message": ...}` line (non-zero exit, see errors.EXIT_CODES).
Human-readable logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from .errors import TunerError
from .parent_watch import die_with_parent
from .profiles import apply_offline_env
from .progress import Progress, claim_stdout

JOBS = ("caption", "train", "generate")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scenebooth_tuner", description="SceneBooth's GPU stages.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("caption", "BLIP-2 captions of the training photos"),
        ("train", "DreamBooth / LoRA fine-tuning on (photo, caption) pairs"),
        ("generate", "scene images from the base model and a product's weights"),
    ):
        sub.add_parser(name, help=help_).add_argument(
            "--spec", required=True, help="job spec JSON file ('-' for stdin)"
        )
    bench = sub.add_parser("bench", help="time training and sampling steps on random weights")
    bench.add_argument(
        "--shapes", choices=("tiny", "sd21"), default=None, help="model shapes (default: sd21 on CUDA, else tiny)"
    )
    bench.add_argument("--out", help="write the JSON report here too")
    bench.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    bench.add_argument("--iters", type=int, default=None, help="timed iterations per measurement")
    bench.add_argument(
        "--variants", default=None, help="comma-separated variants, or 'all' (default: all but +compile; see README)"
    )
    _esrgan_parsers(sub)
    profile_help = "model profile (default: SCENEBOOTH_PROFILE, else tiny)"
    fetch = sub.add_parser("fetch", help="download a profile's weights into SCENEBOOTH_MODELS_DIR with checksums")
    fetch.add_argument("--profile", default=None, help=profile_help)
    verify = sub.add_parser("verify", help="check a profile's fetched weights (sizes; --full: sha256 too)")
    verify.add_argument("--profile", default=None, help=profile_help)
    verify.add_argument("--full", action="store_true", help="re-hash every file against its recorded sha256")
    sub.add_parser("version", help="print the package version")
    sub.add_parser(
        "contract", help="print every command's spec and result fields as JSON (for the Node worker's test)"
    )
    return parser


def _esrgan_parsers(sub) -> None:
    ft = sub.add_parser(
        "esrgan-finetune", help="fine-tune UpscalerJS's ESRGAN (npm weights) on product photos; export ONNX"
    )
    ft.add_argument("--photos", nargs="+", required=True, help="high-resolution photos, or folders of them")
    ft.add_argument("--out", required=True, help="the ONNX file to write (a sidecar <out>.json is written too)")
    ft.add_argument("--tier", choices=("thick", "medium"), required=True, help="thick = RRDN, medium = RDN")
    ft.add_argument("--scale", type=int, choices=(2, 3, 4, 8), default=4)
    ft.add_argument("--steps", type=int, default=500)
    ft.add_argument("--lr", type=float, default=1e-4)
    ft.add_argument("--batch", type=int, default=4)
    ft.add_argument("--patch", type=int, default=32, help="low-resolution crop edge in pixels")
    ft.add_argument("--long-side", type=int, default=1024, help="photos are shrunk to this long side first")
    ft.add_argument("--seed", type=int, default=0)
    ft.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    pairs = sub.add_parser("esrgan-pairs", help="write degraded low-resolution copies of photos (held-out sets)")
    pairs.add_argument("--photos", nargs="+", required=True, help="photos, or folders of them")
    pairs.add_argument("--out", required=True, help="folder for <name>.hr.png / <name>.lr.png")
    pairs.add_argument("--scale", type=int, choices=(2, 3, 4, 8), default=4)
    pairs.add_argument("--long-side", type=int, default=1024)
    pairs.add_argument("--seed", type=int, default=0)


def _run_esrgan(args, progress: Progress) -> dict:
    from pathlib import Path

    if args.command == "esrgan-pairs":
        from .esrgan.degrade import write_pairs

        pairs = write_pairs([Path(p) for p in args.photos], Path(args.out), args.scale, args.long_side, args.seed)
        return {"command": "esrgan-pairs", "out": args.out, "pairs": pairs}
    from .esrgan.finetune import FinetuneSpec, run_finetune

    spec = FinetuneSpec(
        photos=[Path(p) for p in args.photos],
        out=Path(args.out),
        tier=args.tier,
        scale=args.scale,
        steps=args.steps,
        lr=args.lr,
        batch=args.batch,
        patch=args.patch,
        long_side=args.long_side,
        seed=args.seed,
        device=args.device,
    )
    return run_finetune(spec, progress)


def _run_job(command: str, spec_path: str, progress: Progress) -> dict:
    # The spec is checked before torch and the model libraries load: a bad spec fails in a blink.
    from . import spec as specs

    data = specs.load_spec_file("/dev/stdin" if spec_path == "-" else spec_path)
    if command == "caption":
        spec = specs.parse_caption(data)
        from .caption import run_caption

        return run_caption(spec, progress)
    if command == "train":
        spec = specs.parse_train(data)
        from .train import run_train

        return run_train(spec, progress)
    spec = specs.parse_generate(data)
    from .generate import run_generate

    return run_generate(spec, progress)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "version":
        from . import __version__

        print(__version__)
        return 0
    if args.command == "contract":
        from .spec import contract

        print(json.dumps(contract(), indent=2))
        return 0
    die_with_parent()
    apply_offline_env()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # stderr is the worker's log, not a terminal
    progress = Progress(claim_stdout())
    try:
        if args.command == "bench":
            from .bench import run_bench

            result = run_bench(
                shapes=args.shapes,
                device=args.device,
                out=args.out,
                iters=args.iters,
                variants=args.variants.split(",") if args.variants else None,
                progress=progress,
            )
        elif args.command.startswith("esrgan-"):
            result = _run_esrgan(args, progress)
        elif args.command in ("fetch", "verify"):
            from . import fetch
            from .profiles import get_profile

            profile = get_profile(args.profile or os.environ.get("SCENEBOOTH_PROFILE", "").strip() or "tiny")
            result = fetch.fetch(profile) if args.command == "fetch" else fetch.verify(profile, full=args.full)
        else:
            result = _run_job(args.command, args.spec, progress)
    except TunerError as exc:
        progress.emit(exc.to_event())
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - every failure must end as one coded line
        from .runtime import is_oom

        traceback.print_exc(file=sys.stderr)
        error = (
            TunerError("oom", f"out of memory: {exc}")
            if is_oom(exc)
            else TunerError("internal", f"{type(exc).__name__}: {exc}")
        )
        progress.emit(error.to_event())
        return error.exit_code
    progress.emit({"event": "result", **result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
