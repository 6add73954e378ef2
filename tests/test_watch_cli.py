"""`nubra watch` options through the real CLI entry point, in process: usage errors exit 2."""

from __future__ import annotations

import pytest

from nubra_cli import __version__
from nubra_cli.cli import run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "done"], "choose from pending, sent, open"),
        (["--side", "long"], "choose from buy, sell"),
        (["--kind", "fill"], "choose from order, trade, basket"),
        (["--order-id", "x1"], "not a whole number"),
        (["--until", "filled"], "needs exactly one --order-id"),
        (["--order-id", "1", "--until", "done"], "unknown status"),
        (["--timeout", "soon"], "not a duration"),
        (["--json", "--format", "table"], "contradict"),
        (["--env", "staging"], "choose uat or prod"),
        (["--count", "0"], "--count"),
        (["--format", "xml"], "--format"),
    ],
)
def test_bad_options_are_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["watch", *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nubra {__version__}"


def test_help_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("watch", "login", "logout", "status", "sim", "schema"):
        assert run([command, "--help"]) == 0
        text = capsys.readouterr().out
        assert "Example" in text and f"nubra {command}" in text, command
        assert "[bold]" not in text


def test_schema_is_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert run(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"OrderEvent", "TradeEvent", "BasketEvent"} <= set(schema["$defs"])


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["wach"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_watch_help_does_not_import_pydantic() -> None:
    """Help is asked for in scripts and at the prompt: it must not pay for pydantic (figure 4)."""
    import subprocess
    import sys

    probe = (
        "import io, contextlib, sys\n"
        "from nubra_cli.cli import run\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    code = run(['watch', '--help'])\n"
        "print(code, 'pydantic' in sys.modules, '--status' in out.getvalue())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["0", "False", "True"]
