"""What a simulator run is told (`SimConfig`, `ChaosConfig`) and what it counts (`SimStats`).

Kept apart from the servers so the command and the tests can build and check a
configuration without starting anything.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from nubra_cli.errors import ConfigError

#: The simulator's public demo account: documented values, not secrets.
DEMO_PHONE: Final = "9000012345"
DEMO_TOTP_SECRET: Final = "NUBRADEMOTOTPSECRETFORSIMULATOR2"
DEMO_MPIN: Final = "1234"

CHAOS_KINDS: Final[frozenset[str]] = frozenset({"drop", "expire", "garbage", "duplicate", "stall"})
GARBAGE_KINDS: Final[frozenset[str]] = frozenset(
    {"random", "truncated", "empty", "bad_utf8", "oversized", "error_text"}
)


def check_totp_secret(secret: str) -> str:
    """The secret in canonical base32, or ConfigError saying what is wrong (never the value)."""
    import pyotp

    from nubra_cli.auth.credentials import normalize_totp_secret

    canonical = normalize_totp_secret(secret, "the simulator's TOTP secret")
    try:
        pyotp.TOTP(canonical)
    except ValueError:  # pyotp refuses secrets under 112 bits
        raise ConfigError(
            "the simulator's TOTP secret is too short: at least 23 base32 characters"
        ) from None
    return canonical


@dataclass(frozen=True)
class ChaosConfig:
    """Faults to inject into the socket: one of `kinds` after every `every` events."""

    kinds: frozenset[str] = CHAOS_KINDS
    every: int = 10
    stall_seconds: float = 3.0
    #: Which kinds of bad frame `garbage` may send.
    garbage: frozenset[str] = GARBAGE_KINDS

    def __post_init__(self) -> None:
        unknown = sorted((self.kinds - CHAOS_KINDS) | (self.garbage - GARBAGE_KINDS))
        if unknown:
            raise ValueError(f"unknown chaos kind(s): {', '.join(unknown)}")
        if not self.kinds:
            raise ValueError("chaos needs at least one kind")
        if not self.garbage:
            raise ValueError("chaos garbage needs at least one kind")
        if self.every < 1:
            raise ValueError("chaos every must be at least 1")
        if self.stall_seconds < 0:
            raise ValueError("chaos stall seconds must not be negative")


@dataclass(frozen=True)
class SimConfig:
    """Where the simulator listens, what it plays, and the one account it knows."""

    host: str = "127.0.0.1"
    api_port: int = 0
    ws_port: int = 0
    #: Events per second; 0 (or anything huge) plays as fast as the clients read.
    rate: float = 20.0
    seed: int | None = None
    loop: bool = False
    phone: str = DEMO_PHONE
    totp_secret: str = DEMO_TOTP_SECRET
    mpin: str = DEMO_MPIN
    chaos: ChaosConfig | None = None
    #: Frames to play instead of the generated session: bytes are binary, str text frames.
    frames: list[bytes | str] | None = None
    #: First timestamp of the generated session (ns); None means now.
    start_ns: int | None = None

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError("rate must not be negative")
        for name, port in (("api_port", self.api_port), ("ws_port", self.ws_port)):
            if not 0 <= port <= 65535:
                raise ValueError(f"{name} must be between 0 and 65535")
        object.__setattr__(self, "totp_secret", check_totp_secret(self.totp_secret))


StatName = Literal[
    "logins",
    "verifypins",
    "logouts",
    "subscriptions",
    "subscribe_tokens_rejected",
    "frames_sent",
    "events_played",
    "connections",
]


@dataclass
class SimStats:
    """Counters a test or a demo reads back; `sim.stats` hands out a copy."""

    #: Successful TOTP logins (201).
    logins: int = 0
    #: Session tokens minted by /verifypin (200).
    verifypins: int = 0
    logouts: int = 0
    #: Accepted `subscribe` requests.
    subscriptions: int = 0
    subscribe_tokens_rejected: int = 0
    #: Session frames written to clients (one per frame per subscribed client).
    frames_sent: int = 0
    #: Position of the shared session clock: session frames played so far.
    events_played: int = 0
    #: WebSocket connections accepted since the start.
    connections: int = 0
    #: Injected faults by chaos kind.
    chaos: dict[str, int] = field(default_factory=dict)
    #: Bad frames sent by `garbage` chaos, by garbage kind.
    garbage: dict[str, int] = field(default_factory=dict)


class StatsRecorder:
    """Thread-safe counting: the HTTP threads and the socket loop both write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats = SimStats()

    def add(self, name: StatName, amount: int = 1) -> None:
        with self._lock:
            setattr(self._stats, name, getattr(self._stats, name) + amount)

    def add_chaos(self, kind: str, garbage: str | None = None) -> None:
        with self._lock:
            self._stats.chaos[kind] = self._stats.chaos.get(kind, 0) + 1
            if garbage is not None:
                self._stats.garbage[garbage] = self._stats.garbage.get(garbage, 0) + 1

    def snapshot(self) -> SimStats:
        with self._lock:
            return replace(
                self._stats, chaos=dict(self._stats.chaos), garbage=dict(self._stats.garbage)
            )
