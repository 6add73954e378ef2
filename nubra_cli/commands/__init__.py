"""The subcommands; each module keeps its heavy imports inside the command body."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    """Attach every subcommand to the root app."""
    import nubra_cli.commands.schema as schema_command
    import nubra_cli.commands.watch as watch_command

    app.command("watch")(watch_command.watch)
    app.command("schema")(schema_command.schema)
    _register_optional(app)


def _register_optional(app: typer.Typer) -> None:
    """Commands whose modules are still being written register when present."""
    import importlib

    for module_name, names in (
        ("nubra_cli.commands.sim", ("sim",)),
        ("nubra_cli.commands.session", ("login", "logout", "status")),
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        for name in names:
            app.command(name)(getattr(module, name))
