"""A client of `python -m scenebooth_tuner serve` for the tests: sends job lines, reads the tagged events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid


class ServeClient:
    def __init__(self, env: dict | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scenebooth_tuner", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.ready = self._next()
        assert self.ready["event"] == "ready", self.ready

    def _next(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise EOFError(f"the serve process ended (status {self.proc.wait()})")
        return json.loads(line)  # every stdout line must be JSON

    def send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def submit(self, command: str, spec: dict | None = None, **extra) -> str:
        job_id = f"{command}-{uuid.uuid4().hex[:8]}"
        self.send({"id": job_id, "command": command, **({"spec": spec} if spec is not None else {}), **extra})
        return job_id

    def events(self, job_id: str):
        """Yield the job's events up to and including its result or error."""
        while True:
            event = self._next()
            assert event.get("id") == job_id, f"an event of another job: {event}"
            yield event
            if event["event"] in ("result", "error"):
                return

    def run(self, command: str, spec: dict | None = None, **extra) -> list[dict]:
        return list(self.events(self.submit(command, spec, **extra)))

    def result(self, command: str, spec: dict | None = None, **extra) -> dict:
        last = self.run(command, spec, **extra)[-1]
        assert last["event"] == "result", last
        return last

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.stdin.close()
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
