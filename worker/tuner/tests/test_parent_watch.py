"""A tuner whose worker died exits by itself (it would otherwise keep the GPU's memory)."""

import os
import subprocess
import sys
import time

# A "worker" that starts a long-running child which calls die_with_parent(), prints the child's
# pid, then is killed (SIGKILL: no chance to clean up).
_TUNER = "import time; from scenebooth_tuner.parent_watch import die_with_parent; die_with_parent(0.2); time.sleep(60)"
_WORKER = f"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {_TUNER!r}])
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_the_tuner_exits_when_its_worker_is_killed():
    worker = subprocess.Popen([sys.executable, "-c", _WORKER], stdout=subprocess.PIPE, text=True)
    child = int(worker.stdout.readline())
    assert _alive(child)
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the tuner outlived its worker"
