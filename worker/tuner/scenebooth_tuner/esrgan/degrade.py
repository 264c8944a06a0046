"""Low/high-resolution pairs from product photos: the high-resolution photo is the target, a degraded
copy the input (mild Gaussian blur, bicubic downscale by the model's factor, JPEG), as the paper
fine-tuned ESRGAN on pairs of its own product photos."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from ..errors import TunerError

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


@dataclass(frozen=True)
class Degradation:
    blur_sigma: tuple[float, float] = (0.2, 1.0)  # drawn uniformly per image
    jpeg_quality: tuple[int, int] = (75, 95)  # drawn uniformly per image; (100, 100) leaves JPEG out


def photo_files(sources: list[Path]) -> list[Path]:
    """The photos in `sources` (files, or folders searched one level deep), sorted."""
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files.extend(sorted(p for p in source.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES))
        elif source.is_file():
            files.append(source)
        else:
            raise TunerError("bad_input", f"{source} does not exist")
    if not files:
        raise TunerError("bad_input", "no photos found (jpg, png, webp)")
    return files


def load_hr(path: Path, long_side: int, scale: int) -> np.ndarray:
    """RGB uint8 HWC, shrunk (Lanczos) so the long side is at most `long_side`, cropped to a multiple of `scale`."""
    try:
        with Image.open(path) as img:
            rgb = ImageOps.exif_transpose(img).convert("RGB")
    except OSError as exc:
        raise TunerError("bad_input", f"{path} is not a readable image: {exc}") from exc
    if max(rgb.size) > long_side:
        ratio = long_side / max(rgb.size)
        rgb = rgb.resize((max(scale, round(rgb.width * ratio)), max(scale, round(rgb.height * ratio))), Image.LANCZOS)
    w, h = rgb.width - rgb.width % scale, rgb.height - rgb.height % scale
    return np.asarray(rgb.crop((0, 0, w, h)))


def degrade(hr: np.ndarray, scale: int, rng: np.random.Generator, spec: Degradation = Degradation()) -> np.ndarray:
    """The low-resolution input for a high-resolution RGB uint8 image (sides divisible by `scale`)."""
    h, w = hr.shape[:2]
    if h % scale or w % scale:
        raise ValueError(f"{w}x{h} is not divisible by {scale}")
    img = Image.fromarray(hr)
    sigma = float(rng.uniform(*spec.blur_sigma))
    if sigma > 0:
        img = img.filter(ImageFilter.GaussianBlur(sigma))
    img = img.resize((w // scale, h // scale), Image.BICUBIC)
    quality = int(rng.integers(spec.jpeg_quality[0], spec.jpeg_quality[1] + 1))
    if quality < 100:
        buffer = io.BytesIO()
        img.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        img = Image.open(buffer).convert("RGB")
    return np.asarray(img)


def write_pairs(sources: list[Path], out: Path, scale: int, long_side: int, seed: int) -> list[dict]:
    """Writes `<name>.hr.png` and `<name>.lr.png` for every photo (for the held-out evaluation)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pairs = []
    for index, path in enumerate(photo_files(sources)):
        hr = load_hr(path, long_side, scale)
        lr = degrade(hr, scale, rng)
        stem = f"{index:03d}-{path.parent.name}-{path.stem}"
        Image.fromarray(hr).save(out / f"{stem}.hr.png")
        Image.fromarray(lr).save(out / f"{stem}.lr.png")
        pairs.append({"source": str(path), "hr": f"{stem}.hr.png", "lr": f"{stem}.lr.png"})
    return pairs
