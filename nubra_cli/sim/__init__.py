"""A fake Nubra broker on loopback: the TOTP/MPIN login API and the order-update socket.

`nubra sim` serves it for demos, `nubra watch --demo` runs it in-process, and the
test suite uses it as the broker, so all three meet the protocol exactly as the
real one speaks it (protocol.md §2-3). The demo account's phone, TOTP secret and
MPIN below are public, documented values, not secrets.
"""

from __future__ import annotations

import logging

from nubra_cli.sim.config import (
    CHAOS_KINDS,
    DEMO_MPIN,
    DEMO_PHONE,
    DEMO_TOTP_SECRET,
    GARBAGE_KINDS,
    ChaosConfig,
    SimConfig,
    SimStats,
)
from nubra_cli.sim.scenario import session_frames
from nubra_cli.sim.server import Simulator

# The simulator prints nothing of its own; an application may still route these records.
logging.getLogger("nubra_cli.sim").addHandler(logging.NullHandler())

__all__ = [
    "CHAOS_KINDS",
    "DEMO_MPIN",
    "DEMO_PHONE",
    "DEMO_TOTP_SECRET",
    "GARBAGE_KINDS",
    "ChaosConfig",
    "SimConfig",
    "SimStats",
    "Simulator",
    "session_frames",
]
