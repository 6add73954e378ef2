"""Exit codes, defined once, and the errors that carry them.

The CLI's single wrapper (`nubra_cli.cli.main`) turns any `NubraError` into one
line on stderr and its exit code; inner code raises and never exits itself.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit status `nubra` can end with (documented in the README)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    GAVE_UP = 4
    ORDER_ENDED_OTHERWISE = 5
    TIMEOUT = 124
    INTERRUPTED = 130
    TERMINATED = 143


class NubraError(Exception):
    """An expected failure: its message is one line a user can act on."""

    exit_code: ExitCode = ExitCode.ERROR


class ConfigError(NubraError):
    """Bad configuration: a malformed .env, a missing credential, an unknown environment."""


class AuthError(NubraError):
    """The broker refused a login, or no kept session can be renewed without a prompt."""

    exit_code = ExitCode.AUTH


class ServerError(NubraError):
    """The broker could not be reached or answered with a fault (5xx, timeout, DNS, TLS)."""


class GaveUpError(NubraError):
    """The connection failed more times than `--max-retries` allows."""

    exit_code = ExitCode.GAVE_UP


class WatchTimeout(NubraError):
    """`--timeout` ran out before the exit condition was met."""

    exit_code = ExitCode.TIMEOUT


class OrderEndedOtherwise(NubraError):
    """The order awaited with `--until` reached a final status other than the one awaited."""

    exit_code = ExitCode.ORDER_ENDED_OTHERWISE


class ReaderGone(NubraError):
    """Whoever read our stdout went away (`nubra watch | head -1`): a normal, quiet end."""

    exit_code = ExitCode.OK


class Terminated(NubraError):
    """SIGTERM arrived: stop cleanly."""

    exit_code = ExitCode.TERMINATED
