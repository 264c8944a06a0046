"""`serve`: the resident tuner process. The Node worker keeps one per GPU (worker/tuner-pool.ts) and sends it
every caption, train and generate job, so the models load once per process instead of once per job
(model_cache.py keeps them and undoes each job's changes).

stdin, one JSON object per line:
    {"id": "j1", "command": "caption" | "train" | "generate", "spec": {...}}   (or "spec_path": "job.json")
    {"id": "j2", "command": "stats", "fingerprint": false}
    {"id": "j3", "command": "warm", "profile": "sd21-lora"}   (loads the profile's base model now)
    {"cancel": "j1"}
stdout: `{"event": "ready", "pid": ...}` once, then each job's events as the one-shot commands write them
(progress, warning, checkpoint, resumed, then one result or one error), each carrying its job's "id".
`stats` answers a result with the model parts this process has read (`loads`), the jobs it has run and
its resident models (`fingerprint`: a hash of their weights, slow on big models). A cancelled job stops
at its next progress step and ends with a `cancelled` error; the process goes on. Jobs run one at a time,
in order; the end of stdin ends the process once the running job is done.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import traceback
from typing import IO

from . import __version__
from .errors import TunerError, coded
from .jobs import JOBS, parse_job, run_parsed
from .progress import Progress


class JobProgress(Progress):
    """A job's events tagged with its id; each progress step is where a cancelled job stops."""

    def __init__(self, stream: IO[str], lock: threading.Lock, job_id: str, cancelled: threading.Event) -> None:
        super().__init__(stream)
        self.lock, self.job_id, self.cancelled = lock, job_id, cancelled

    def emit(self, event: dict) -> None:
        with self.lock:
            super().emit({**event, "id": self.job_id})

    def check(self) -> None:
        if self.cancelled.is_set():
            raise TunerError("cancelled", f"job {self.job_id} was cancelled")

    def start(self, stage: str, total: int, step: int = 0) -> None:
        self.check()
        super().start(stage, total, step)

    def step(self, step: int, force: bool = False, **extra: object) -> None:
        self.check()
        super().step(step, force, **extra)


class Server:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.jobs: queue.Queue[dict | None] = queue.Queue()
        self.pending: dict[str, threading.Event] = {}  # queued or running jobs: their cancel flags
        self.done = 0
        self._cache = None

    @property
    def cache(self):
        """Made by the first job that needs models: torch loads then, not before a bad spec is answered."""
        if self._cache is None:
            from .model_cache import ModelCache
            from .models import set_provider

            self._cache = ModelCache()
            set_provider(self._cache)
        return self._cache

    def write(self, event: dict) -> None:
        with self.lock:
            self.stream.write(json.dumps(event, separators=(",", ":")) + "\n")
            self.stream.flush()

    def read(self, stdin: IO[str]) -> None:
        """The reader thread: jobs go to the queue, cancels take effect at once."""
        for line in stdin:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            job_id = message.get("id") if isinstance(message, dict) else None
            if isinstance(message, dict) and "cancel" in message:
                with self.lock:
                    flag = self.pending.get(str(message["cancel"]))
                if flag is not None:
                    flag.set()
            elif isinstance(job_id, str) and job_id:
                with self.lock:
                    self.pending[job_id] = threading.Event()
                self.jobs.put(message)
            else:
                self.write(
                    {"event": "error", "code": "bad_spec", "message": f"not a job line (no string id): {line[:200]!r}"}
                )
        self.jobs.put(None)

    def run(self, message: dict) -> None:
        job_id, command = message["id"], message.get("command")
        with self.lock:
            flag = self.pending[job_id]
        progress = JobProgress(self.stream, self.lock, job_id, flag)
        try:
            if command == "stats":
                result = self.stats(bool(message.get("fingerprint")))
            elif command == "warm":
                result = self.warm(message.get("profile"))
            elif command in JOBS:
                progress.check()  # cancelled while it waited
                result = self.job(command, self.spec(message), progress)
                self.done += 1
            else:
                raise TunerError("bad_spec", f"unknown command {command!r}; expected {', '.join(JOBS)}, stats or warm")
        except Exception as exc:  # noqa: BLE001 - every failure must end as one coded line
            error = coded(exc)
            if error is not exc:
                traceback.print_exc(file=sys.stderr)
            progress.emit(error.to_event())
        else:
            progress.emit({"event": "result", **result})
        finally:
            with self.lock:
                self.pending.pop(job_id, None)

    @staticmethod
    def spec(message: dict) -> object:
        if "spec" in message:
            return message["spec"]
        if not isinstance(message.get("spec_path"), str):
            raise TunerError("bad_spec", "a job line needs a spec object or a spec_path")
        from .spec import load_spec_file

        return load_spec_file(message["spec_path"])

    def job(self, command: str, data: object, progress: JobProgress) -> dict:
        """The job on the resident models; out of memory, once more after making room (the captioner
        released before a diffusion job, the diffusion models before a caption job)."""
        spec = parse_job(command, data)
        from .runtime import free_memory, is_oom

        try:
            with self.cache.job(command):
                return run_parsed(command, spec, progress)
        except Exception as exc:
            if not is_oom(exc) or not self.cache.make_room(command):
                raise
        # Retried outside the except block, so the failed attempt's tensors (held by the traceback) are freed.
        free_memory()
        progress.emit(
            {"event": "warning", "code": "oom_retry", "message": "out of memory; retrying with fewer models resident"}
        )
        with self.cache.job(command):
            return run_parsed(command, spec, progress)

    def warm(self, profile_name: object) -> dict:
        """Loads the profile's base model into the cache before any job needs it (a GPU worker's readiness)."""
        from .profiles import get_profile
        from .runtime import runtime_for

        if not isinstance(profile_name, str) or not profile_name:
            raise TunerError("bad_spec", "warm needs a profile name")
        profile = get_profile(profile_name)
        self.cache.preload(profile, runtime_for(profile))
        return {"command": "warm", "profile": profile.name, **self.cache.describe()}

    def stats(self, fingerprint: bool) -> dict:
        from .models import LOADS

        return {
            "command": "stats",
            "pid": os.getpid(),
            "jobs": self.done,
            "loads": dict(LOADS),
            **self.cache.describe(fingerprint),
        }


def serve(stdin: IO[str], stream: IO[str]) -> int:
    server = Server(stream)
    server.write({"event": "ready", "pid": os.getpid(), "version": __version__})
    threading.Thread(target=server.read, args=(stdin,), daemon=True, name="serve-stdin").start()
    while (message := server.jobs.get()) is not None:
        server.run(message)
    return 0
