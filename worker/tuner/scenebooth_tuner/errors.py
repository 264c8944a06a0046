"""Coded errors: every failure a job can end with, as one JSON line and a non-zero exit status."""

from __future__ import annotations

# code -> process exit status. The Node worker keys its retry policy and its UI message on the code.
EXIT_CODES = {
    "bad_spec": 2,  # the job spec is not valid JSON or has a missing/invalid field (unknown profile included)
    "bad_input": 3,  # the files the spec points at are unusable (missing, unreadable, too few, wrong size)
    "model_missing": 4,  # weights are not in the models dir / Hugging Face cache and downloads are off
    "oom": 5,  # out of accelerator memory, after the one retry with memory savers
    "cancelled": 6,  # serve: the worker cancelled the job (it stopped at a step boundary)
    "internal": 1,  # anything else: a bug
}


class TunerError(Exception):
    """An expected failure, reported to the caller as `{"event": "error", "code": ..., "message": ...}`."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        if code not in EXIT_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.code]

    def to_event(self) -> dict:
        return {"event": "error", "code": self.code, "message": self.message, **self.details}


def coded(exc: BaseException) -> TunerError:
    """Any failure as a coded error: a TunerError as it is, out of memory as `oom`, anything else `internal`."""
    if isinstance(exc, TunerError):
        return exc
    from .runtime import is_oom

    if is_oom(exc):
        return TunerError("oom", f"out of memory: {exc}")
    return TunerError("internal", f"{type(exc).__name__}: {exc}")
