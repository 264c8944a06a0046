"""A profile's pretrained weights: fetched ahead of time with checksums, and checked before a worker starts.

`fetch` downloads each repository of a profile at its revision into `<models dir>/<owner>--<name>/`
(`huggingface_hub.snapshot_download`; `HF_ENDPOINT` picks the hub), checks every file against the
hub's own checksums from the tree listing (sha256 for LFS files, the git blob sha1 for the others),
and writes `scenebooth-weights.json` last: repository, revision, commit, and each file's size and
sha256. A file that fails its checksum is deleted and the fetch fails; no manifest is written.

`verify` reads the manifest. By default it checks that every recorded file is there with its
recorded size (stat calls only, so a GPU worker runs it at every start); `full=True` also re-hashes
every file (minutes for the ~20 GB of SD 2.1 and BLIP-2). The tiny profile has nothing to fetch.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import TunerError
from .profiles import Profile, is_pinned, models_dir, offline, warn_if_unpinned, weights_dirname

MANIFEST = "scenebooth-weights.json"
FETCH_HINT = 'run "npm run models:fetch" (python -m scenebooth_tuner fetch)'

# What the loaders read (models.py): the diffusers folders in safetensors, not the single-file
# checkpoints, fp16 variants, .bin or Flax copies that the repositories also hold.
BASE_PATTERNS = (
    "model_index.json",
    "scheduler/*",
    "tokenizer/*",
    "feature_extractor/*",
    "text_encoder/config.json",
    "text_encoder/model.safetensors",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
)
# transformers' folder: configs, tokenizer/processor files and the safetensors shards with their index.
CAPTIONER_PATTERNS = ("*.json", "*.txt", "*.model", "*.safetensors")


@dataclass(frozen=True)
class Weights:
    role: str  # "base" or "captioner"
    repo: str
    revision: str
    patterns: tuple[str, ...]

    @property
    def local_dir(self) -> Path:
        return models_dir() / weights_dirname(self.repo)


def profile_weights(profile: Profile) -> list[Weights]:
    if profile.random_weights:
        return []
    return [
        Weights("base", profile.base, profile.base_revision, BASE_PATTERNS),
        Weights("captioner", profile.captioner, profile.captioner_revision, CAPTIONER_PATTERNS),
    ]


def _log(line: str) -> None:
    print(f"[fetch] {line}", file=sys.stderr, flush=True)


def _hashes(path: Path) -> tuple[str, str]:
    """(sha256, git blob sha1) of a file, in one read."""
    sha256 = hashlib.sha256()
    git = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 22):
            sha256.update(chunk)
            git.update(chunk)
    return sha256.hexdigest(), git.hexdigest()


def _sha256(path: Path) -> str:
    return _hashes(path)[0]


def _not_ready(profile: Profile, problem: str) -> TunerError:
    return TunerError(
        "model_missing",
        f"weights for profile {profile.name!r} are not ready: {problem}; {FETCH_HINT}",
        profile=profile.name,
    )


def fetch(profile: Profile) -> dict:
    """Downloads and checks every repository of the profile; returns what was recorded."""
    weights = profile_weights(profile)
    if weights and offline():
        raise TunerError(
            "model_missing", "cannot fetch weights: downloads are off (SCENEBOOTH_OFFLINE / HF_HUB_OFFLINE)"
        )
    fetched = [_fetch_one(profile, w) for w in weights]
    return {"profile": profile.name, "models_dir": str(models_dir()), "weights": fetched}


def _fetch_one(profile: Profile, w: Weights) -> dict:
    import httpx2  # huggingface_hub's HTTP client
    from huggingface_hub import HfApi, constants, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import filter_repo_objects

    warn_if_unpinned(w.repo, w.revision)
    api = HfApi()
    dest = w.local_dir
    _log(f"{w.role}: {w.repo} at {w.revision} from {constants.ENDPOINT} into {dest}")
    try:
        commit = w.revision if is_pinned(w.revision) else api.repo_info(w.repo, revision=w.revision).sha
        tree = {
            f.path: f for f in api.list_repo_tree(w.repo, revision=commit, recursive=True) if isinstance(f, RepoFile)
        }
        wanted = sorted(filter_repo_objects(tree, allow_patterns=list(w.patterns)))
        if not any(path.endswith(".safetensors") for path in wanted):
            raise _not_ready(profile, f"{w.repo} at {commit} has no safetensors weights matching {list(w.patterns)}")
        dest.mkdir(parents=True, exist_ok=True)
        (dest / MANIFEST).unlink(missing_ok=True)  # an interrupted fetch leaves no manifest behind
        snapshot_download(w.repo, revision=commit, local_dir=dest, allow_patterns=wanted)
    except (HfHubHTTPError, LocalEntryNotFoundError, httpx2.TransportError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TunerError(
            "model_missing", f"cannot fetch {w.repo} at {w.revision} from {constants.ENDPOINT}: {first}", model=w.repo
        ) from exc

    files: dict[str, dict] = {}
    for path in wanted:
        entry, local = tree[path], dest / path
        sha256, git_sha1 = _hashes(local)
        expected, actual, algorithm = (
            (entry.lfs.sha256, sha256, "sha256") if entry.lfs is not None else (entry.blob_id, git_sha1, "git-sha1")
        )
        if actual != expected.lower():
            local.unlink()
            (dest / ".cache" / "huggingface" / "download" / f"{path}.metadata").unlink(missing_ok=True)
            raise TunerError(
                "model_missing",
                f"{w.repo}/{path} at {commit} does not match the hub's checksum ({algorithm} {expected}, got {actual}); "
                "the file was deleted, fetch again",
                model=w.repo,
                file=path,
            )
        files[path] = {"size": local.stat().st_size, "sha256": sha256}
    manifest = {
        "repo": w.repo,
        "revision": w.revision,
        "commit": commit,
        "endpoint": constants.ENDPOINT,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": files,
    }
    tmp = dest / f"{MANIFEST}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    tmp.replace(dest / MANIFEST)
    total = sum(f["size"] for f in files.values())
    _log(f"{w.role}: {len(files)} files, {total / 1e9:.2f} GB, checksums recorded in {dest / MANIFEST}")
    return {
        "role": w.role,
        "repo": w.repo,
        "revision": w.revision,
        "commit": commit,
        "files": len(files),
        "bytes": total,
    }


def verify(profile: Profile, full: bool = False) -> dict:
    """Raises model_missing (one line) unless every weight of the profile is fetched at its revision and
    intact: sizes always, sha256 too with `full`."""
    checked = []
    for w in profile_weights(profile):
        warn_if_unpinned(w.repo, w.revision)
        manifest_path = w.local_dir / MANIFEST
        try:
            manifest = json.loads(manifest_path.read_text())
            files = manifest["files"]
        except FileNotFoundError:
            raise _not_ready(profile, f"{w.role} {w.repo} is not fetched ({manifest_path} is missing)") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise _not_ready(profile, f"{manifest_path} is unreadable ({type(exc).__name__}: {exc})") from None
        if manifest.get("repo") != w.repo or w.revision not in (manifest.get("revision"), manifest.get("commit")):
            raise _not_ready(
                profile,
                f"{w.role} was fetched as {manifest.get('repo')} at {manifest.get('revision')}, "
                f"the profile wants {w.repo} at {w.revision}",
            )
        for path, record in sorted(files.items()):
            local = w.local_dir / path
            try:
                size = local.stat().st_size
            except OSError:
                raise _not_ready(profile, f"{w.repo}/{path} is missing from {w.local_dir}") from None
            if size != record["size"]:
                raise _not_ready(
                    profile, f"{w.repo}/{path} has {size} bytes, its checksum record says {record['size']}"
                )
            if full and _sha256(local) != record["sha256"]:
                raise _not_ready(profile, f"{w.repo}/{path} fails its sha256 check")
        checked.append({"role": w.role, "repo": w.repo, "commit": manifest.get("commit"), "files": len(files)})
    return {"profile": profile.name, "full": full, "weights": checked}
