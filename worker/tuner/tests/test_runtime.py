"""retry_on_oom: one retry with the memory saver after an out-of-memory error, nothing else retried."""

import io

import pytest
import torch
from conftest import Capture

from scenebooth_tuner.progress import Progress
from scenebooth_tuner.runtime import retry_on_oom


class FakeJob:
    """Runs out of memory (as CUDA reports it) for every setting in `fails`; records what it was given."""

    def __init__(self, fails, error=None):
        self.fails, self.error, self.calls = set(fails), error, []

    def __call__(self, setting):
        self.calls.append(setting)
        if setting in self.fails:
            raise self.error or torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return f"done with {setting}"


def test_retries_once_with_the_fallback_and_warns():
    job, out = FakeJob({4}), Capture()
    assert retry_on_oom(job, 4, 2, Progress(out), "out of memory; retrying with batch size 2") == "done with 2"
    assert job.calls == [4, 2]
    assert out.events == [
        {"event": "warning", "code": "oom_retry", "message": "out of memory; retrying with batch size 2"}
    ]


def test_an_oom_reported_as_a_runtime_error_is_retried_too():
    job = FakeJob({False}, RuntimeError("CUDA error: out of memory"))
    assert retry_on_oom(job, False, True, Progress(io.StringIO()), "retry") == "done with True"


def test_no_fallback_no_retry():
    job = FakeJob({1})
    with pytest.raises(torch.OutOfMemoryError):
        retry_on_oom(job, 1, None, Progress(io.StringIO()), "retry")
    assert job.calls == [1]


def test_other_errors_are_not_retried():
    job = FakeJob({4}, ValueError("bad weights"))
    with pytest.raises(ValueError):
        retry_on_oom(job, 4, 2, Progress(io.StringIO()), "retry")
    assert job.calls == [4]


def test_the_retry_runs_out_of_memory_too():
    job = FakeJob({4, 2})
    with pytest.raises(torch.OutOfMemoryError):
        retry_on_oom(job, 4, 2, Progress(io.StringIO()), "retry")
    assert job.calls == [4, 2]
