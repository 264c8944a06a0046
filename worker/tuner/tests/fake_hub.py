"""FAKE Hugging Face Hub for tests: serves a few tiny repositories over HTTP with just the endpoints that
`huggingface_hub.snapshot_download(repo, revision=...)` calls (read from huggingface_hub 2.x):

- `GET /api/models/{repo}/revision/{rev}`: repo info; only its `sha` (the commit a branch points at) is used;
- `GET /api/models/{repo}/tree/{commit}?recursive=...`: the file listing, one page, with each file's size,
  git blob id (`oid`) and, for LFS files, `lfs.oid` (sha256): the checksums `fetch` checks against;
- `HEAD`/`GET /{repo}/resolve/{commit}/{path}`: `X-Repo-Commit`, `ETag` (blob id, or sha256 for LFS
  files, as the hub sends them), `Content-Length`, then the bytes.

A path in `corrupt` is served with one byte flipped (same length), as a broken mirror or disk would.
Every request path is recorded in `requests`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class FakeRepo:
    files: dict[str, bytes]
    lfs: set[str]  # paths stored in LFS (the large weight files on the real hub)
    commit: str = ""
    branches: tuple[str, ...] = ("main",)

    def __post_init__(self) -> None:
        if not self.commit:
            listing = json.dumps(sorted((p, git_blob_id(d)) for p, d in self.files.items())).encode()
            self.commit = hashlib.sha1(listing).hexdigest()

    def tree(self) -> list[dict]:
        entries, folders = [], set()
        for path, data in sorted(self.files.items()):
            parts = path.split("/")
            folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
            entry = {"type": "file", "path": path, "size": len(data), "oid": git_blob_id(data)}
            if path in self.lfs:
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        entries += [
            {"type": "directory", "path": f, "oid": hashlib.sha1(f.encode()).hexdigest(), "size": 0} for f in folders
        ]
        return entries


@dataclass
class FakeHub:
    repos: dict[str, FakeRepo]
    corrupt: set[tuple[str, str]] = field(default_factory=set)  # (repo, path) served with a flipped byte
    requests: list[str] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakeHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_HEAD(self) -> None:
                hub._answer(self, head=True)

            def do_GET(self) -> None:
                hub._answer(self, head=False)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _find(self, parts: list[str]) -> tuple[str, FakeRepo, list[str]] | None:
        repo_id = "/".join(parts[:2])
        return (repo_id, self.repos[repo_id], parts[2:]) if repo_id in self.repos else None

    def _commit(self, repo: FakeRepo, rev: str) -> str | None:
        return repo.commit if rev == repo.commit or rev in repo.branches else None

    def _answer(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = unquote(urlsplit(h.path).path)
        self.requests.append(f"{h.command} {path}")
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "models"] and (found := self._find(parts[2:])):
            repo_id, repo, rest = found
            if len(rest) == 2 and rest[0] == "revision" and (commit := self._commit(repo, rest[1])):
                return self._send(h, 200, json.dumps({"id": repo_id, "sha": commit}).encode(), head)
            if len(rest) >= 2 and rest[0] == "tree" and self._commit(repo, rest[1]):
                return self._send(h, 200, json.dumps(repo.tree()).encode(), head)
            if len(rest) >= 2 and rest[0] in ("revision", "tree"):
                return self._send(h, 404, b'{"error":"Invalid rev id"}', head, {"X-Error-Code": "RevisionNotFound"})
        elif (found := self._find(parts)) and len(found[2]) >= 3 and found[2][0] == "resolve":
            repo_id, repo, rest = found
            commit, file = self._commit(repo, rest[1]), "/".join(rest[2:])
            if commit and file in repo.files:
                data = repo.files[file]
                etag = hashlib.sha256(data).hexdigest() if file in repo.lfs else git_blob_id(data)
                if (repo_id, file) in self.corrupt:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                return self._send(h, 200, data, head, {"X-Repo-Commit": commit, "ETag": f'"{etag}"'})
            return self._send(h, 404, b"Entry not found", head, {"X-Error-Code": "EntryNotFound"})
        self._send(h, 404, b'{"error":"Repository not found"}', head, {"X-Error-Code": "RepoNotFound"})

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, head: bool, headers: dict | None = None) -> None:
        h.send_response(status)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Content-Type", "application/json" if body[:1] in (b"{", b"[") else "application/octet-stream")
        h.end_headers()
        if not head:
            h.wfile.write(body)
