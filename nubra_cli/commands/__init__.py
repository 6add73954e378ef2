"""The subcommands; each module keeps its heavy imports inside the command body."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    """Attach every subcommand to the root app, in the order `nubra --help` lists them."""
    import nubra_cli.commands.doctor as doctor_command
    import nubra_cli.commands.schema as schema_command
    import nubra_cli.commands.session as session_command
    import nubra_cli.commands.sim as sim_command
    import nubra_cli.commands.watch as watch_command

    app.command("watch")(watch_command.watch)
    app.command("login")(session_command.login)
    app.command("logout")(session_command.logout)
    app.command("status")(session_command.status)
    app.command("sim")(sim_command.sim)
    app.command("schema")(schema_command.schema)
    app.command("doctor")(doctor_command.doctor)
