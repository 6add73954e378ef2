"""Regenerate nubra_cli/wire/order_pb2.py (and its .pyi stub) from order.proto.

Run from anywhere with the test extras installed (grpcio-tools, mypy-protobuf):
    python scripts/gen_proto.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WIRE = Path(__file__).resolve().parent.parent / "nubra_cli" / "wire"


def main() -> int:
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={WIRE}",
        f"--python_out={WIRE}",
        f"--mypy_out={WIRE}",
        str(WIRE / "order.proto"),
    ]
    return subprocess.call(command)


if __name__ == "__main__":
    raise SystemExit(main())
