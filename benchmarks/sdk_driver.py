"""The broker's official SDK as a plain user drives it: order updates in, one JSON line each out.

    .venv-sdk/bin/python benchmarks/sdk_driver.py ws://127.0.0.1:PORT/ws COUNT > events.jsonl
    .venv-sdk/bin/python benchmarks/sdk_driver.py --check   # the SDK's version, if usable

Run with the SDK's own interpreter (`nubra-sdk` installed there, never in the
project's venv): `vs_sdk.py` starts it as a subprocess. It builds the SDK's
`OrderUpdate` with `on_order_update` and `on_trade_update` callbacks that
print each update as one JSON line (`json.dumps` of the model's dict, the way
an SDK user would), counts them, and exits 0 once COUNT lines are out (1 if
the stream stalls for `STALL_SECONDS` first, 2 on bad arguments, 3 for an SDK
that cannot read this stream).

What it takes to run the SDK against a loopback server, and nothing more:

- No `InitNubraSdk`. Its constructor logs in over the network (TOTP, MPIN,
  reference data). `OrderUpdate` only reads a few attributes of the client it
  is given, so a duck-typed `LoopbackClient` carries them: the bearer token
  (a placeholder: the burst server never checks it), the socket URL, and the
  empty values the rest of the constructor copies. Importing the SDK does no
  network I/O.
- `connect()` with the default trading API version, V1: the one that reads
  `Order` frames (protocol.md section 4). `reconnect=False`, so the end of the
  connection ends the stream instead of a retry loop.
- nubra-sdk 0.4.5 is the last release that reads `Order` frames at all: from
  0.5.0 on, `OrderUpdate` decodes only `NubraToClientIntentUpdate` (and 0.5.3
  moved the token into the URL), so every frame of the burst would be dropped
  and no line ever printed. Such an SDK is refused up front (exit 3).
- The SDK hands baskets to `on_order_update` from its socket thread and orders
  and trades from its dispatcher thread, so the callbacks share a lock; a
  basket can overtake an order still queued for the dispatcher, so lines may
  come out in a different order from the frames.
- Lines go through `print`, block-buffered on a pipe or file: cheaper than a
  write per line, which a live stream would want. It flatters the SDK.
- Once COUNT lines are printed the driver flushes stdout and leaves with
  `os._exit(0)`: `OrderUpdate.close()` waits on threads that block forever on
  an empty queue.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

#: The stream must make progress at least this often, or the driver gives up.
STALL_SECONDS = 30.0
#: What the SDK sends as bearer token in its subscribe line; the burst server ignores it.
PLACEHOLDER_TOKEN = "benchmark-placeholder-token"
#: The exit status for an SDK that cannot read the burst.
UNUSABLE = 3
#: Why an SDK from 0.5.0 on cannot take part.
REFUSAL = "decodes no Order frames (only intent updates): use nubra-sdk==0.4.5, the last that does"


class LoopbackClient:
    """What `OrderUpdate` reads from an `InitNubraSdk`, pointed at a loopback socket."""

    REF_ID_MAP_GLOBAL: dict[str, Any] = {}

    def __init__(self, ws_url: str) -> None:
        self.BEARER_TOKEN = PLACEHOLDER_TOKEN
        self.WEBSOCKET_URL = ws_url
        self.WEBSOCKET_URL_OMS = ws_url  # the name newer releases read
        self.API_BASE_URL = "http://127.0.0.1:9"  # read, never called (only on "Invalid Token")
        self.db_path = None
        self.totp_login = False
        self.token_data: dict[str, Any] = {}
        self.env_path_login = False
        self.trading_version = None  # connect() then uses its default, V1


class JsonLinePrinter:
    """The callbacks: each update as one JSON line on stdout, until `limit` lines."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.last_progress = time.monotonic()
        self.done = threading.Event()
        self._lock = threading.Lock()

    def on_order_update(self, update: Any) -> None:
        kind = "basket" if type(update).__name__ == "BasketWrapper" else "order"
        self._print(kind, update)

    def on_trade_update(self, update: Any) -> None:
        self._print("trade", update)

    def on_error(self, message: str) -> None:
        print(f"sdk error: {message}", file=sys.stderr)

    def _print(self, kind: str, update: Any) -> None:
        with self._lock:
            if self.count >= self.limit:
                return
            print(json.dumps({"kind": kind, **update.model_dump(mode="json")}))
            self.count += 1
            self.last_progress = time.monotonic()
            if self.count == self.limit:
                self.done.set()


def reads_order_frames() -> bool:
    """Whether this SDK still decodes `Order` frames (its models for them exist up to 0.4.x)."""
    from nubra_python_sdk.ticker import validation

    return all(hasattr(validation, name) for name in ("OrderInfoWrapper", "AckInfoWrapper"))


def sdk_version() -> str:
    from importlib.metadata import version

    return version("nubra-sdk")


def run(ws_url: str, limit: int) -> int:
    """Stream until `limit` lines are out (0) or nothing arrives for `STALL_SECONDS` (1)."""
    if not reads_order_frames():
        print(f"nubra-sdk {sdk_version()} {REFUSAL}", file=sys.stderr)
        return UNUSABLE
    from nubra_python_sdk.ticker.orderupdate import OrderUpdate

    printer = JsonLinePrinter(limit)
    socket = OrderUpdate(
        LoopbackClient(ws_url),
        on_order_update=printer.on_order_update,
        on_trade_update=printer.on_trade_update,
        on_error=printer.on_error,
        reconnect=False,
    )
    socket.connect()
    while not printer.done.wait(0.5):
        if time.monotonic() - printer.last_progress > STALL_SECONDS:
            sys.stdout.flush()
            print(f"stalled after {printer.count} of {limit} updates", file=sys.stderr)
            return 1
    sys.stdout.flush()
    return 0


def check() -> int:
    """`--check`: print the SDK's version; exit 0 if it can read the burst, 3 if not."""
    if not reads_order_frames():
        print(f"nubra-sdk {sdk_version()} {REFUSAL}", file=sys.stderr)
        return UNUSABLE
    print(sdk_version())
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        return check()
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: sdk_driver.py WS_URL COUNT | --check", file=sys.stderr)
        return 2
    return run(argv[0], int(argv[1]))


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
