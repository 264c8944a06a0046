"""Command-line entry: `python -m scenebooth_tuner <caption|train|generate> --spec job.json`; `serve` runs
the same jobs one after another in one process that keeps its models loaded (serve.py); `contract`
prints the commands' specs and results (scenebooth_tuner/spec.py) as JSON; `class-set` prints the
class-image set a train job uses (scenebooth_tuner/class_sets.py); `esrgan-finetune` and `esrgan-pairs`
fine-tune and evaluate the upscaler (scenebooth_tuner/esrgan).

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

from .errors import TunerError, coded
from .jobs import run_job
from .parent_watch import die_with_parent
from .profiles import apply_offline_env
from .progress import Progress, claim_stdout


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
    bench.add_argument(
        "--batches",
        default=None,
        help="generation batch sizes to time, comma-separated (default: 1,4,8,16 on CUDA, else 1,2,4)",
    )
    bench.add_argument(
        "--results-dir", help="also write gpu-<card>.json and .md (the products-per-GPU-hour model) here"
    )
    bench.add_argument(
        "--figures",
        help="no measuring: the products-per-GPU-hour model from figures measured elsewhere (a JSON file)",
    )
    _esrgan_parsers(sub)
    profile_help = "model profile (default: SCENEBOOTH_PROFILE, else tiny)"
    class_set = sub.add_parser(
        "class-set", help="print the class-image set a train job uses (its name, local folder and files) as JSON"
    )
    class_set.add_argument("--profile", default=None, help=profile_help)
    class_set.add_argument("--class-noun", required=True)
    class_set.add_argument("--cache-dir", required=True, help="the train spec's cache_dir")
    fetch = sub.add_parser("fetch", help="download a profile's weights into SCENEBOOTH_MODELS_DIR with checksums")
    fetch.add_argument("--profile", default=None, help=profile_help)
    verify = sub.add_parser("verify", help="check a profile's fetched weights (sizes; --full: sha256 too)")
    verify.add_argument("--profile", default=None, help=profile_help)
    verify.add_argument("--full", action="store_true", help="re-hash every file against its recorded sha256")
    sub.add_parser(
        "serve", help="the resident process: jobs as JSON lines on stdin, the models loaded once (see serve.py)"
    )
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

    return run_job(command, specs.load_spec_file("/dev/stdin" if spec_path == "-" else spec_path), progress)


def _print_class_set(args: argparse.Namespace) -> int:
    """No torch: the worker asks before each train job (worker/stages/class-images.ts)."""
    from pathlib import Path

    from .class_sets import class_image_dir, class_image_names, class_set
    from .profiles import get_profile
    from .prompts import normalize_class_noun

    try:
        profile = get_profile(args.profile or os.environ.get("SCENEBOOTH_PROFILE", "").strip() or "tiny")
        noun = normalize_class_noun(args.class_noun)
    except (TunerError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    folder = class_image_dir(Path(args.cache_dir).resolve(), profile, noun)
    files = class_image_names(profile.num_class_images)
    print(json.dumps({"set": class_set(profile, noun), "dir": str(folder), "files": files}))
    return 0


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
    if args.command == "class-set":
        return _print_class_set(args)
    die_with_parent()
    apply_offline_env()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # stderr is the worker's log, not a terminal
    if args.command == "serve":
        from .serve import serve

        return serve(sys.stdin, claim_stdout())
    progress = Progress(claim_stdout())
    try:
        if args.command == "bench":
            from .bench import model_from_figures, run_bench, write_results

            if args.figures:
                result = model_from_figures(args.figures)
                if args.results_dir:
                    write_results(result, args.results_dir)
            else:
                result = run_bench(
                    shapes=args.shapes,
                    device=args.device,
                    out=args.out,
                    iters=args.iters,
                    variants=args.variants.split(",") if args.variants else None,
                    progress=progress,
                    results_dir=args.results_dir,
                    batches=tuple(int(b) for b in args.batches.split(",")) if args.batches else None,
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
    except Exception as exc:  # noqa: BLE001 - every failure must end as one coded line
        error = coded(exc)
        if error is not exc:
            traceback.print_exc(file=sys.stderr)
        progress.emit(error.to_event())
        return error.exit_code
    progress.emit({"event": "result", **result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
