"""The `nubra` command: parses options, wires the pieces together, maps failures to exit codes.

Command modules import their heavy dependencies inside the command body, so
`nubra --version` and `--help` stay fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from nubra_cli import __version__
from nubra_cli.commands import register_all
from nubra_cli.errors import ExitCode, NubraError, ReaderGone


def _lean_absent_flags() -> None:
    """Keep `nubra watch --help` from importing pydantic (~90 ms, benchmarks figure 4).

    Typer 0.29 converts every option value through a pydantic adapter, except a bool
    flag whose value is already a bool. The root's `--help` and completion flags arrive
    as None when not given, so every subcommand built adapters for them. Converting None
    gives None, so here None skips straight to the callback, as Typer would end up anyway.
    Should Typer's internals change, this does nothing (a test in tests/test_watch_cli.py notices).
    """
    from typer import core

    parameter = getattr(core, "_TyperParameter", None)
    convert = getattr(parameter, "process_value", None)
    if parameter is None or convert is None:
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        descriptor = getattr(self, "type_descriptor", None)
        if value is None and not self.required and getattr(descriptor, "annotation", None) is bool:
            return value if self.callback is None else self.callback(ctx, self, value)
        return convert(self, ctx, value)

    setattr(parameter, "process_value", process_value)  # noqa: B010 (mypy: a method)


_lean_absent_flags()

app = typer.Typer(
    name="nubra",
    help="Watch Nubra order and trade updates live: a table in the terminal, JSON lines in pipes.",
    no_args_is_help=True,
    add_completion=True,
    # Pretty tracebacks print local variables, which may hold tokens: never.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nubra {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Watch Nubra order and trade updates live: a table in the terminal, JSON lines in pipes."""


register_all(app)


def _error_line(message: str, prefix: str = "error: ") -> None:
    """Write one line to stderr; the only place the wrapper prints."""
    try:
        sys.stderr.write(f"nubra: {prefix}{message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def run(args: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: the one place failures become exit codes."""
    from typer.exceptions import TyperException

    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="nubra", standalone_mode=False)
    except TyperException as error:  # usage errors: bad options and values
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:
            _error_line(error.format_message())
        return int(error.exit_code)
    except typer.Abort:
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except ReaderGone:
        return _quiet_after_broken_pipe()
    except NubraError as error:
        if error.exit_code in (ExitCode.INTERRUPTED, ExitCode.TERMINATED):
            _error_line(str(error), prefix="")
        else:
            _error_line(str(error))
        return error.exit_code
    except BrokenPipeError:
        return _quiet_after_broken_pipe()
    return result if isinstance(result, int) else ExitCode.OK


def _quiet_after_broken_pipe() -> int:
    """The reader of stdout went away (`| head -1`): end quietly, as a filter should."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return ExitCode.OK


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
