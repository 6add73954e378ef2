"""`nubra schema`: the JSON Schema of the event lines, for jq users and validators."""

from __future__ import annotations


def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of one `nubra watch --json` line.

    \b
    Examples:
      nubra schema > nubra-event.schema.json
      nubra schema | jq '.["$defs"].TradeEvent.required'
    """
    import sys

    import orjson

    from nubra_cli.events import json_schema

    sys.stdout.buffer.write(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()
