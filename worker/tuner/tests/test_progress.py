"""The JSON-lines events: progress lines with stage/step/total/eta_s, throttled but never dropping the last."""

import io
import json

from scenebooth_tuner.errors import TunerError
from scenebooth_tuner.progress import Progress


def events(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_progress_lines_and_eta():
    out = io.StringIO()
    progress = Progress(out, min_interval_s=0.0)
    progress.start("train", 4)
    for step in range(1, 5):
        progress.step(step, loss=0.5)
    lines = events(out)
    assert lines[0] == {"event": "progress", "stage": "train", "step": 0, "total": 4, "eta_s": None}
    assert [e["step"] for e in lines] == [0, 1, 2, 3, 4]
    assert all(set(e) >= {"event", "stage", "step", "total", "eta_s"} for e in lines)
    assert lines[-1]["eta_s"] == 0.0 and lines[-1]["loss"] == 0.5
    assert all(e["eta_s"] >= 0 for e in lines[1:])


def test_throttling_keeps_the_last_step():
    out = io.StringIO()
    progress = Progress(out, min_interval_s=3600)
    progress.start("generate", 100)
    for step in range(1, 101):
        progress.step(step)
    assert [e["step"] for e in events(out)] == [0, 100]


def test_resumed_stage_starts_at_its_step():
    out = io.StringIO()
    progress = Progress(out, min_interval_s=0.0)
    progress.start("train", 10, step=6)
    progress.step(7)
    assert [e["step"] for e in events(out)] == [6, 7]


def test_error_event():
    err = TunerError("bad_input", "images is empty", field="images")
    assert err.to_event() == {"event": "error", "code": "bad_input", "message": "images is empty", "field": "images"}
    assert err.exit_code == 3
