"""Reconnect delays: exponential, jittered, capped; a fresh generator after a healthy connection."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

#: Makes a new, independent sequence of delays in seconds; swapped out in tests.
BackoffFactory = Callable[[], Iterator[float]]


def exponential_backoff(
    initial: float = 0.5,
    factor: float = 2.0,
    cap: float = 30.0,
    jitter: float = 0.5,
    rng: random.Random | None = None,
) -> Iterator[float]:
    """Yield `initial * factor**n`, spread by up to ±`jitter` of itself, never above `cap`.

    Jitter keeps thousands of clients from reconnecting in lockstep after a broker outage.
    """
    rng = rng or random.Random()
    delay = initial
    while True:
        spread = delay * jitter
        yield rng.uniform(max(0.0, delay - spread), min(cap, delay + spread))
        delay = min(cap, delay * factor)
