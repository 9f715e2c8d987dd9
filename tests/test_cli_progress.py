"""Progress on stderr for long commands: shown on a terminal, absent otherwise, never on stdout."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

CLI = [sys.executable, "-c", "from rankings.cli import main; main()"]


def run_with_terminal_stderr(*args: str) -> tuple[str, str, int]:
    """Run the CLI with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait(timeout=120)
    os.close(master)
    return out, b"".join(chunks).decode(errors="replace"), proc.returncode


@pytest.mark.parametrize("args,shown", [
    (("sensitivity", "--samples", "300000", "--format", "json"), "runs"),
    (("check", "equal-core", "ai-index", "--examples", "30", "--format", "json"), "checking invariants"),
    (("bounds", "--all", "--format", "json"), "rank bounds"),
])
def test_a_terminal_sees_progress_and_stdout_stays_clean_json(args: tuple[str, ...], shown: str):
    out, err, code = run_with_terminal_stderr(*args)
    assert code == 0, err
    json.loads(out)  # nothing but the JSON on stdout
    assert shown in err


def test_no_progress_when_stderr_is_not_a_terminal():
    proc = subprocess.run([*CLI, "check", "equal-core", "--examples", "20"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
