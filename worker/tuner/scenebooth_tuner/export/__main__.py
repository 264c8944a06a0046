"""`python -m scenebooth_tuner.export models|reference|bench ...` (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import ExportError


def _models(args) -> None:
    from .graphs import export_all
    from .manifest import write_manifest
    from .models import real_models, tiny_models

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise ExportError("out_not_empty", f"{out} is not empty: export into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    if args.profile == "tiny":
        models = tiny_models(args.seed)
    else:
        sources = {
            k: v for k, v in {"dino": args.dino_model, "clip": args.clip_model, "blip": args.blip_model}.items() if v
        }
        models = real_models(sources)
    graphs = export_all(models, out)
    write_manifest(args.profile, models, graphs, out)
    if args.save_torch:
        for name, model in models.items():
            model.model.save_pretrained(out / "torch" / name)
    print(json.dumps({"profile": args.profile, "out": str(out)}))


def _segmenter(args) -> None:
    from .segmenter import export_segmenter

    manifest = export_segmenter(args.profile, Path(args.out), args.seed, args.repo, args.revision)
    print(json.dumps({"profile": args.profile, "out": str(Path(args.out) / manifest["file"])}))


def _reference(args) -> None:
    from .reference import compute

    spec = json.loads(Path(args.spec).read_text())
    out = Path(args.out)
    result = compute(Path(args.models), spec, out.parent)
    out.write_text(json.dumps(result))


def _bench(args) -> None:
    from .bench import run

    print(json.dumps(run(Path(args.models), args.images, args.prompt, args.seconds)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenebooth_tuner.export", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("models", help="export the scoring models to ONNX with a manifest")
    models.add_argument("--profile", choices=["tiny", "real"], required=True)
    models.add_argument("--out", required=True)
    models.add_argument("--seed", type=int, default=0, help="tiny profile: the random init seed")
    models.add_argument("--clip-model", help="real profile: CLIP checkpoint (default openai/clip-vit-large-patch14)")
    models.add_argument("--dino-model", help="real profile: DINO checkpoint (default facebook/dino-vits16)")
    models.add_argument(
        "--blip-model", help="real profile: BLIP ITM checkpoint (default Salesforce/blip-itm-large-coco)"
    )
    models.add_argument("--save-torch", action="store_true", help="also save the PyTorch weights (for `reference`)")
    seg = sub.add_parser("segmenter", help="export the product segmenter (BiRefNet, or its tiny stand-in) to ONNX")
    seg.add_argument("--profile", choices=["tiny", "real"], required=True)
    seg.add_argument("--out", required=True)
    seg.add_argument("--seed", type=int, default=0, help="tiny profile: the random init seed")
    seg.add_argument("--repo", default="ZhengPeng7/BiRefNet", help="real profile: the BiRefNet repository")
    seg.add_argument("--revision", default="main", help="real profile: a commit hash to pin (default main)")
    ref = sub.add_parser("reference", help="PyTorch reference scores for the parity tests")
    ref.add_argument("--models", required=True)
    ref.add_argument("--spec", required=True)
    ref.add_argument("--out", required=True)
    bench = sub.add_parser("bench", help="PyTorch candidates/s per metric (benchmark baseline)")
    bench.add_argument("--models", required=True)
    bench.add_argument("--images", nargs="+", required=True)
    bench.add_argument("--prompt", required=True)
    bench.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    try:
        {"models": _models, "segmenter": _segmenter, "reference": _reference, "bench": _bench}[args.command](args)
    except ExportError as e:
        print(f"error: {e.code}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
