"""Run `nubra` with Typer not building a pydantic validator for flags nobody gave: an experiment.

Typer (0.29) converts every option value through a pydantic `TypeAdapter`,
except a bool flag whose value is already a bool. The root command's `--help`
and completion flags arrive as None when not given, so any subcommand, even
`nubra watch --help`, builds adapters for them and imports pydantic. This
launcher lets None pass through for bool flags (the conversion would keep it
None anyway) and then runs `nubra`, so figure 4 can show what that import costs.

Usage: python benchmarks/typer_launch.py watch --help  (the same arguments as `nubra`)
"""

from __future__ import annotations

import sys
from typing import Any


def install() -> None:
    """Skip Typer's conversion of a None given to a bool flag, calling its callback as before."""
    from typer import core

    convert: Any = core._TyperParameter.process_value

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        if value is None and self.type_descriptor.annotation is bool and not self.required:
            return value if self.callback is None else self.callback(ctx, self, value)
        return convert(self, ctx, value)

    setattr(core._TyperParameter, "process_value", process_value)  # noqa: B010 (mypy: a method)


if __name__ == "__main__":
    install()
    from nubra_cli.cli import main

    sys.argv[0] = "nubra"
    main()
