"""The benchmark harness runs: a smoke run that checks it measures, never how fast (issue 6)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(300)
def test_quick_benchmarks_produce_every_figure_of_their_groups(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--only",
            "inprocess,endtoend,startup",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(output.read_text())
    assert report["failures"] == {}
    values = {figure["key"]: figure["value"] for figure in report["figures"]}
    for key in (
        "inprocess.pipeline",
        "inprocess.bare_parse",
        "inprocess.ratio",
        "endtoend.sim",
        "startup.version",
        "startup.watch_help",
    ):
        assert key in values, sorted(values)
        assert math.isfinite(values[key]) and values[key] > 0, (key, values[key])
    # The table names every figure it measured, with its verdict where it has a target.
    for figure in report["figures"]:
        assert figure["name"] in done.stdout
