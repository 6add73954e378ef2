"""`nubra sim`: serve the built-in fake broker in the foreground, for demos and manual testing."""

from __future__ import annotations

from typing import Annotated

import typer

_CHAOS = "Chaos (faults for testing reconnects)"
_ACCOUNT = "Account (defaults: the public demo account)"


def sim(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Login API port; 0 picks a free one.")
    ] = 8770,
    ws_port: Annotated[
        int,
        typer.Option("--ws-port", min=0, max=65535, help="Order-update socket port; 0 picks one."),
    ] = 8771,
    rate: Annotated[
        float, typer.Option("--rate", min=0, help="Events per second; 0 = as fast as possible.")
    ] = 5.0,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Replay the same session (default: random).")
    ] = None,
    loop: Annotated[
        bool,
        typer.Option("--loop/--no-loop", help="Go on for ever, or exit 0 after one session."),
    ] = True,
    chaos: Annotated[
        str | None,
        typer.Option(
            "--chaos",
            metavar="KINDS",
            help="Comma list of drop, expire, garbage, duplicate, stall; or all.",
            rich_help_panel=_CHAOS,
        ),
    ] = None,
    chaos_every: Annotated[
        int,
        typer.Option(
            "--chaos-every", min=1, help="One fault every N events.", rich_help_panel=_CHAOS
        ),
    ] = 10,
    phone: Annotated[
        str | None, typer.Option("--phone", help="Phone to accept.", rich_help_panel=_ACCOUNT)
    ] = None,
    totp_secret: Annotated[
        str | None,
        typer.Option("--totp-secret", help="Base32 TOTP secret.", rich_help_panel=_ACCOUNT),
    ] = None,
    mpin: Annotated[
        str | None, typer.Option("--mpin", help="MPIN to accept.", rich_help_panel=_ACCOUNT)
    ] = None,
) -> None:
    """Serve a fake Nubra broker on 127.0.0.1: the TOTP/MPIN login API and the order socket.

    It plays a realistic trading session (fills, modifications, cancels, RMS
    rejects, stop-losses, baskets) to every subscribed client, and only while
    someone is subscribed. The URLs go to stdout as `export` lines; Ctrl-C stops.

    The demo account is public: phone 9000012345, TOTP secret
    NUBRADEMOTOTPSECRETFORSIMULATOR2, MPIN 1234.

    \b
    Examples:
      nubra sim
      nubra sim --rate 20 --seed 7 --no-loop
      nubra sim --port 0 --ws-port 0 --chaos all --chaos-every 25
      # in another terminal, after pasting the export lines:
      NUBRA_PHONE=9000012345 NUBRA_TOTP_SECRET=NUBRADEMOTOTPSECRETFORSIMULATOR2 \\
        NUBRA_MPIN=1234 nubra watch
    """
    import sys

    from nubra_cli.errors import ConfigError
    from nubra_cli.sim import (
        CHAOS_KINDS,
        DEMO_MPIN,
        DEMO_PHONE,
        DEMO_TOTP_SECRET,
        ChaosConfig,
        SimConfig,
        Simulator,
    )

    chaos_config = None
    if chaos is not None:
        kinds = frozenset(word.strip().lower() for word in chaos.split(",") if word.strip())
        try:
            chaos_config = ChaosConfig(
                kinds=CHAOS_KINDS if kinds == {"all"} else kinds, every=chaos_every
            )
        except ValueError as error:
            raise typer.BadParameter(
                f"{error}; choose from {', '.join(sorted(CHAOS_KINDS))}, or all",
                param_hint="--chaos",
            ) from None
    overridden = any(value is not None for value in (phone, totp_secret, mpin))
    try:
        config = SimConfig(
            api_port=port,
            ws_port=ws_port,
            rate=rate,
            seed=seed,
            loop=loop,
            phone=phone or DEMO_PHONE,
            totp_secret=totp_secret or DEMO_TOTP_SECRET,
            mpin=mpin or DEMO_MPIN,
            chaos=chaos_config,
        )
    except ConfigError as error:  # only the secret can be wrong once Typer checked the rest
        raise typer.BadParameter(str(error), param_hint="--totp-secret") from None
    from nubra_cli.signals import sigterm_stops

    with sigterm_stops(), Simulator(config) as simulator:
        sys.stdout.write(
            f"export NUBRA_API_URL={simulator.api_url}\nexport NUBRA_WS_URL={simulator.ws_url}\n"
        )
        sys.stdout.flush()
        account = (
            "log in with the phone, TOTP secret and MPIN given on the command line"
            if overridden
            else f"demo login: phone {DEMO_PHONE} (TOTP secret and MPIN: `nubra sim --help`)"
        )
        faults = f", chaos: {', '.join(sorted(chaos_config.kinds))}" if chaos_config else ""
        sys.stderr.write(
            f"nubra sim: serving a {'looping' if loop else 'single'} session "
            f"(seed {simulator.seed}, {rate:g} events/s{faults}); {account}. Ctrl-C stops.\n"
        )
        sys.stderr.flush()
        simulator.wait_done()
