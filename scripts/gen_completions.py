"""Write the bash, zsh and fish completion scripts of `nubra` into completions/.

The scripts are what `nubra --show-completion SHELL` prints, made by Typer's
own completion machinery from the app, so a packager or a user without write
access to their rc files can install them as plain files. The scripts call
back into `nubra` (with `_NUBRA_COMPLETE` set) for the actual candidates, so
they only go stale when Typer changes its templates or the program is renamed.

One change to Typer's text: its zsh script only registers itself with
`compdef`, so autoloaded from fpath it completes nothing on the first Tab of
each shell (pallets/click#2344 is the same bug in Click); ours registers and
also completes when zsh autoloads it.

    python scripts/gen_completions.py           # rewrite completions/*
    python scripts/gen_completions.py --check   # exit 1 if a committed file differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"

#: Shell name -> file name each shell's completion loader looks for.
FILES = {"bash": "nubra.bash", "zsh": "_nubra", "fish": "nubra.fish"}


def prog_name() -> str:
    """The program name the scripts complete, taken from the Typer app itself."""
    from nubra_cli.cli import app

    name = app.info.name
    if not isinstance(name, str) or not name:
        raise SystemExit("nubra_cli.cli.app has no name to complete")
    return name


def complete_var(name: str) -> str:
    """The variable Typer's completion protocol keys on: `_NUBRA_COMPLETE` for `nubra`."""
    return "_{}_COMPLETE".format(name.replace("-", "_").upper())


def render(shell: str) -> str:
    """The script for one shell: what `nubra --show-completion SHELL` prints (zsh: see above)."""
    from typer._completion_shared import get_completion_script

    name = prog_name()
    script = get_completion_script(prog_name=name, complete_var=complete_var(name), shell=shell)
    if shell == "zsh":
        script = complete_when_autoloaded(script, name)
    return script + "\n"


def complete_when_autoloaded(script: str, name: str) -> str:
    """Keep the `compdef` for later Tabs, and complete the first Tab when zsh autoloads the file."""
    function = f"_{name.replace('-', '_')}_completion"
    register = f"compdef {function} {name}"
    if not script.endswith(register):
        raise SystemExit(f"Typer's zsh template changed: it no longer ends with {register!r}")
    first_tab = (
        "\n\n# Autoloaded from fpath by compinit on the first Tab: complete that Tab too.\n"
        "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
        f'  {function} "$@"\n'
        "fi"
    )
    return script + first_tab


def rendered() -> dict[Path, str]:
    """Every completion file and the text it should hold."""
    return {COMPLETIONS / file_name: render(shell) for shell, file_name in FILES.items()}


def stale(expected: dict[Path, str]) -> list[Path]:
    """The files that are missing or differ from what the app generates now."""
    out_of_date = []
    for path, text in expected.items():
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != text:
            out_of_date.append(path)
    return out_of_date


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a committed script differs from a fresh one",
    )
    args = parser.parse_args(argv)
    try:
        expected = rendered()
    except ModuleNotFoundError as error:
        print(f"cannot import {error.name}: run this with the project's venv", file=sys.stderr)
        return 2
    if args.check:
        out_of_date = stale(expected)
        for path in out_of_date:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        if out_of_date:
            print("run: python scripts/gen_completions.py", file=sys.stderr)
            return 1
        return 0
    COMPLETIONS.mkdir(exist_ok=True)
    for path, text in expected.items():
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
