"""Figure 4: wall time of `nubra --version` and `nubra watch --help`, median of several runs.

The figure is taken with compiled bytecode cached, as an installed `nubra` runs:
the runs share a private `PYTHONPYCACHEPREFIX` that a first, untimed run fills,
so a `PYTHONDONTWRITEBYTECODE=1` in the caller's environment (which leaves an
editable checkout without any `.pyc`) does not turn the figure into a compile
benchmark. A line of its own shows start-up as the caller's environment has it.

`python benchmarks/startup.py` prints `python -X importtime` offenders of `watch --help`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from common import (
    Figure,
    base_env,
    below,
    info,
    median,
    nubra_module_command,
    nubra_script_command,
)

TARGET_MS = 150.0
COMMANDS = (("--version",), ("watch", "--help"))


def run_ms(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=30
    )
    return (time.perf_counter() - started) * 1000


def cached_env(prefix: str) -> dict[str, str]:
    env = base_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = prefix
    return env


def measure(quick: bool) -> list[Figure]:
    runs = 5 if quick else 15
    nubra = nubra_script_command()
    floor = (sys.executable, "-c", "pass")
    commands = {args: [*nubra, *args] for args in COMMANDS} | {floor: list(floor)}
    times: dict[tuple[str, ...], list[float]] = {args: [] for args in commands}
    with tempfile.TemporaryDirectory(prefix="nubra-bench-pyc-") as prefix:
        env = cached_env(prefix)
        for command in commands.values():
            run_ms(command, env)  # fills the bytecode cache
        for _ in range(runs):  # taking turns, so a slow moment hits every command alike
            for args, command in commands.items():
                times[args].append(run_ms(command, env))
    python = median(times[floor])
    figures = []
    for args in COMMANDS:
        took = median(times[args])
        figure = below(
            f"startup.{'_'.join(a.strip('-') for a in args)}",
            f"4. start-up: {' '.join(['nubra', *args])}",
            took,
            "ms",
            TARGET_MS,
            f"median of {runs} (min {min(times[args]):.0f}), {took - python:.0f} ms above python's "
            "own start, bytecode cached",
        )
        figure.details = {"runs_ms": times[args], "command": commands[args]}
        figures.append(figure)
    figures.append(info("startup.python", "4. start-up: python -c pass (floor)", python, "ms"))
    # As this shell runs it: an editable checkout under PYTHONDONTWRITEBYTECODE=1 has no .pyc.
    as_is = [run_ms([*nubra, "watch", "--help"], base_env()) for _ in range(max(3, runs // 3))]
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE") or "unset"
    figures.append(
        info(
            "startup.watch_help_as_is",
            "4. start-up: watch --help, this shell's env",
            median(as_is),
            "ms",
            f"PYTHONDONTWRITEBYTECODE={flag}, no private bytecode cache",
        )
    )
    return figures


@dataclass(frozen=True)
class ImportCost:
    module: str
    self_us: int
    cumulative_us: int


def import_costs(args: tuple[str, ...] = ("watch", "--help")) -> list[ImportCost]:
    """Every module `nubra ARGS` imports, with its own and cumulative import time (cache warm)."""
    with tempfile.TemporaryDirectory(prefix="nubra-bench-pyc-") as prefix:
        env = cached_env(prefix)
        command = [sys.executable, "-X", "importtime", *nubra_module_command()[1:], *args]
        subprocess.run(command, env=env, capture_output=True, check=True)  # warm the cache
        stderr = subprocess.run(command, env=env, capture_output=True, check=True).stderr
    costs = []
    for line in stderr.decode().splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        costs.append(ImportCost(name.rstrip(), int(own), int(cumulative)))
    return costs


def report_imports(top: int = 20) -> None:
    costs = import_costs()
    total = sum(cost.self_us for cost in costs)
    print(f"python -X importtime -m nubra_cli watch --help: {len(costs)} modules,", end=" ")
    print(f"{total / 1000:.0f} ms of imports")
    print(f"\nTop {top} by cumulative time (a package and everything it imports):")
    for cost in sorted(costs, key=lambda c: -c.cumulative_us)[:top]:
        print(f"  {cost.cumulative_us / 1000:7.1f} ms  {cost.module}")
    print(f"\nTop {top} by own time:")
    for cost in sorted(costs, key=lambda c: -c.self_us)[:top]:
        print(f"  {cost.self_us / 1000:7.1f} ms  {cost.module.strip()}")
    roots: dict[str, int] = {}
    for cost in costs:
        root = cost.module.strip().split(".")[0]
        roots[root] = roots.get(root, 0) + cost.self_us
    print("\nOwn time by top-level package:")
    for root, us in sorted(roots.items(), key=lambda item: -item[1])[:top]:
        print(f"  {us / 1000:7.1f} ms  {root}")


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    report_imports()
