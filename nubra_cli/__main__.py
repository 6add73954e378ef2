"""`python -m nubra_cli` runs the same program as the `nubra` command."""

from nubra_cli.cli import main

main()
