"""JSON-lines events on stdout: progress, checkpoints, the final result or error.

Libraries print to stdout too (warnings, progress bars); `Progress` keeps the real stdout for itself
and `claim_stdout()` points `sys.stdout` at stderr so nothing else lands in the event stream.
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO


class Progress:
    def __init__(self, stream: IO[str] | None = None, min_interval_s: float = 0.5) -> None:
        self.stream = stream or sys.stdout
        self.min_interval_s = min_interval_s
        self._stage: str | None = None
        self._total = 0
        self._start_step = 0
        self._started = 0.0
        self._last_emit = 0.0

    def emit(self, event: dict) -> None:
        self.stream.write(json.dumps(event, separators=(",", ":")) + "\n")
        self.stream.flush()

    def start(self, stage: str, total: int, step: int = 0) -> None:
        """Begin a stage of `total` steps; `step` > 0 when resuming part-way."""
        self._stage, self._total, self._start_step = stage, total, step
        self._started = time.monotonic()
        self._last_emit = 0.0
        self._emit_progress(step, eta_s=None)

    def due(self, step: int, force: bool = False) -> bool:
        """Whether `step(step)` would report now: a caller can leave costly values (a loss read back from the
        GPU) for the steps that are reported."""
        return force or step >= self._total or time.monotonic() - self._last_emit >= self.min_interval_s

    def step(self, step: int, force: bool = False, **extra: object) -> None:
        """Report that `step` of the current stage's steps are done (throttled, except the last and forced)."""
        if not self.due(step, force):
            return
        now = time.monotonic()
        done = step - self._start_step
        eta = (now - self._started) / done * (self._total - step) if done > 0 else None
        self._emit_progress(step, eta_s=eta, **extra)

    def _emit_progress(self, step: int, eta_s: float | None, **extra: object) -> None:
        self._last_emit = time.monotonic()
        self.emit(
            {
                "event": "progress",
                "stage": self._stage,
                "step": step,
                "total": self._total,
                "eta_s": None if eta_s is None else round(eta_s, 2),
                **extra,
            }
        )


def claim_stdout() -> IO[str]:
    """Return the real stdout for events and send everything else written to stdout to stderr."""
    real = sys.stdout
    sys.stdout = sys.stderr
    return real
