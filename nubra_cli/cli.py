"""The `nubra` command: parses options, wires the pieces together, maps failures to exit codes.

Command modules import their heavy dependencies inside the command body, so
`nubra --version` and `--help` stay fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from nubra_cli import __version__
from nubra_cli.commands import register_all
from nubra_cli.errors import ExitCode, NubraError

app = typer.Typer(
    name="nubra",
    help="Watch Nubra order and trade updates live: a table in the terminal, JSON lines in pipes.",
    no_args_is_help=True,
    add_completion=True,
    # Pretty tracebacks print local variables, which may hold tokens: never.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
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


def _error_line(message: str) -> None:
    """Write one error line to stderr; the only place the wrapper prints."""
    try:
        sys.stderr.write(f"nubra: error: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def run(args: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: the one place failures become exit codes."""
    import click

    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="nubra", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        _error_line("interrupted")
        return ExitCode.INTERRUPTED
    except NubraError as error:
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
