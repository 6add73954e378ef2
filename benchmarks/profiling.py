"""Profiles of the figures that miss: where the time goes, as file:function and share of the total.

    python benchmarks/profiling.py inprocess      # figure 1's loop
    python benchmarks/profiling.py endtoend       # `nubra watch --json` draining a burst
    python benchmarks/profiling.py sim            # the simulator sending to a raw reader
    python benchmarks/profiling.py startup        # import time of `watch --help`

`--tool cprofile` (the default) counts every call, which also makes small
functions look dearer than they are; `--tool pyinstrument` samples the stack
(bench extra) and gives fairer shares without call counts. Either way the
profiled program runs in a subprocess and its profile is read with `pstats`.
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from common import ROOT, nubra_env
from frames import DistinctFrames, sample_frames
from inprocess import pipeline_loop

#: The functions of websocket-client's receive path, as pstats names them (file suffix, name).
RECEIVE_PATH = (
    ("websocket/_core.py", "recv_data"),
    ("websocket/_abnf.py", "recv_frame"),
    ("websocket/_abnf.py", "recv_strict"),
    ("websocket/_core.py", "_recv"),
    ("websocket/_socket.py", "recv"),
    ("~", "<method 'recv' of '_socket.socket' objects>"),
    ("websocket/_abnf.py", "validate"),
    ("nubra_cli/stream.py", "_recv"),
)
_PREFIXES = (sysconfig.get_paths()["purelib"] + "/", str(ROOT) + "/")

Key = tuple[str, int, str]


def profiler_command(tool: str, output: Path) -> list[str]:
    if tool == "pyinstrument":
        return [sys.executable, "-m", "pyinstrument", "-r", "pstats", "-o", str(output)]
    return [sys.executable, "-m", "cProfile", "-o", str(output)]


def where(key: Key) -> str:
    filename, line, name = key
    for prefix in _PREFIXES:
        filename = filename.removeprefix(prefix)
    return f"{filename}:{line}({name})" if line else name


def under(stats: pstats.Stats, roots: list[Key]) -> set[Key]:
    """`roots` and every function they call, directly or not."""
    stats.calc_callees()
    callees: dict[Key, dict[Key, object]] = stats.all_callees  # type: ignore[attr-defined]
    seen, todo = set(roots), list(roots)
    while todo:
        for callee in callees.get(todo.pop(), {}):
            if callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen


def print_top(stats: pstats.Stats, root: tuple[str, str], top: int, events: int | None) -> None:
    """The `top` functions under `root` (file suffix, name) by cumulative time, as its shares.

    `events=None` when the profile has no call counts (a sampling profiler's).
    """
    raw = stats.stats  # type: ignore[attr-defined]
    roots = [k for k in raw if k[2] == root[1] and k[0].endswith(root[0])]
    total = max(raw[k][3] for k in roots) if roots else sum(v[2] for v in raw.values())
    inside = under(stats, roots) if roots else set(raw)
    print(f"{root[0]}:{root[1]} = {total:.2f} s = 100%; the functions under it")
    print(f"{'cum%':>6} {'own%':>6} {'calls/event':>11}  function")
    # pstats merges calls by function, so a lazy import under the root drags its callers in.
    ranked = sorted((k for k in inside if raw[k][3] <= total * 1.0001), key=lambda k: -raw[k][3])
    for key in ranked[:top]:
        _, calls, own, cumulative, _ = raw[key]
        per_event = f"{calls / events:.2f}" if events else "-"
        print(f"{100 * cumulative / total:6.1f} {100 * own / total:6.1f} {per_event:>11}", end="  ")
        print(where(key))
    print("\nReceive path (websocket-client):")
    for suffix, name in RECEIVE_PATH:
        for key, (_, calls, own, cumulative, _) in raw.items():
            if key[2] == name and key[0].endswith(suffix):
                counted = f"{calls:>9,} calls {calls / events:6.2f}/event" if events else ""
                print(
                    f"  {100 * cumulative / total:5.1f}% cum {100 * own / total:5.1f}% own",
                    f"{counted}  {where(key)}",
                )


def profile_endtoend(tool: str, server_name: str, events: int, top: int) -> None:
    from endtoend import burst_server, simulator

    burst = DistinctFrames().burst(events)
    server = simulator if server_name == "sim" else burst_server
    target = ["-m", "nubra_cli"]
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "profile.out"
        with server(burst) as (api_url, ws_url), nubra_env(api_url, ws_url) as env:
            command = profiler_command(tool, output) + target
            command += ["watch", "--json", "--count", str(events)]
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True, timeout=600)
        print(f"profile of `nubra watch --json --count {events:,}` <- {server_name} ({tool})")
        counts = events if tool == "cprofile" else None
        print_top(pstats.Stats(str(output)), ("nubra_cli/runner.py", "pump"), top, counts)


def profile_inprocess(tool: str, top: int) -> None:
    rounds = 15_000
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "profile.out"
        command = profiler_command(tool, output)
        command += [str(Path(__file__).resolve()), "_inprocess_loop", str(rounds)]
        subprocess.run(command, check=True, timeout=600)
        events = rounds * len(sample_frames())
        print(f"profile of decode -> filter -> JSON line, {events:,} events ({tool})")
        counts = events if tool == "cprofile" else None
        print_top(pstats.Stats(str(output)), ("benchmarks/inprocess.py", "run"), top, counts)


def profile_simulator(events: int, top: int) -> None:
    """cProfile of the simulator's own thread while the raw reader drains a burst from it."""
    import cProfile

    from endtoend import raw_reader_seconds, simulator

    from nubra_cli.sim import Simulator

    profile = cProfile.Profile()

    class ProfiledSimulator(Simulator):
        def _run_loop(self) -> None:  # the simulator's private loop thread, profiled
            profile.runcall(super()._run_loop)

    original = Simulator
    setattr(sys.modules["endtoend"], "Simulator", ProfiledSimulator)  # noqa: B010
    try:
        raw_reader_seconds(simulator, DistinctFrames().burst(events), [])
    finally:
        setattr(sys.modules["endtoend"], "Simulator", original)  # noqa: B010
    print(f"profile of the simulator sending {events:,} events to a raw reader (cprofile)")
    print_top(pstats.Stats(profile), ("nubra_cli/sim/feed.py", "play"), top, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = ("inprocess", "endtoend", "sim", "startup", "_inprocess_loop")
    parser.add_argument("what", choices=what)
    parser.add_argument("rounds", nargs="?", type=int, default=15_000, help=argparse.SUPPRESS)
    parser.add_argument("--tool", choices=("cprofile", "pyinstrument"), default="cprofile")
    parser.add_argument("--server", choices=("burst", "sim"), default="burst")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.what == "_inprocess_loop":
        pipeline_loop(sample_frames(), args.rounds)()
    elif args.what == "inprocess":
        profile_inprocess(args.tool, args.top)
    elif args.what == "sim":
        profile_simulator(args.events, args.top)
    elif args.what == "endtoend":
        profile_endtoend(args.tool, args.server, args.events, args.top)
    else:
        from startup import report_imports

        report_imports(args.top)


if __name__ == "__main__":
    main()
