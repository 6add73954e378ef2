"""Figure 6: CPU used by the live table when nothing happens, as a share of one core.

`nubra watch --format table` runs on a pseudo-terminal (so it draws as it would
for a person), subscribed to a simulator that sends nothing. Once the table is
on screen, the process's user + system CPU time (from /proc/<pid>/stat, 10 ms
ticks) is read at the start and end of the window. The bytes it writes to the
terminal and its context switches are shown too: they tell redraws and
wake-ups apart from work.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
import time

from common import Figure, below, context_switches, cpu_seconds, nubra_env, nubra_module_command
from common import reaped as reaped_process

from nubra_cli.sim import SimConfig, Simulator

TARGET_PERCENT = 1.0
ROWS, COLUMNS = 40, 160
#: How long the table may take to appear before the measurement gives up.
START_TIMEOUT = 20.0


class TerminalReader:
    """Reads everything the child writes to the terminal, so it never blocks on a full pty."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.received = 0
        self.head = bytearray()
        self._thread = threading.Thread(target=self._run, name="pty-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO once the child has gone and the slave is closed
                return
            if not chunk:
                return
            self.received += len(chunk)
            if len(self.head) < 65536:
                self.head += chunk

    def wait_for(self, text: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.head:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def join(self) -> None:
        self._thread.join(timeout=5)


def measure(quick: bool) -> list[Figure]:
    window = 10.0 if quick else 60.0
    with Simulator(SimConfig(frames=[])) as sim, nubra_env(sim.api_url, sim.ws_url) as env:
        env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS))
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        try:
            process = subprocess.Popen(
                [*nubra_module_command(), "watch", "--format", "table"],
                env=env,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,
            )
        finally:
            os.close(slave)
        terminal = TerminalReader(master)
        with reaped_process(process):
            if not terminal.wait_for(b"waiting for order updates", START_TIMEOUT):
                raise RuntimeError("the live table did not appear on the terminal")
            time.sleep(1.0)  # let the connection settle: subscribed, first idle ticks
            cpu_start, switches_start = cpu_seconds(process.pid), context_switches(process.pid)
            bytes_start, started = terminal.received, time.monotonic()
            time.sleep(window)
            cpu_end, switches_end = cpu_seconds(process.pid), context_switches(process.pid)
            bytes_end, elapsed = terminal.received, time.monotonic() - started
            still_running = process.poll() is None
        os.close(master)
        terminal.join()
    percent = 100 * (cpu_end - cpu_start) / elapsed
    note = (
        f"{elapsed:.0f} s window, {(bytes_end - bytes_start) / elapsed:,.0f} B/s to the terminal, "
        f"{(switches_end - switches_start) / elapsed:.0f} wake-ups/s"
    )
    figure = below(
        "idle.cpu", "6. idle: live table, no events", percent, "% of a core", TARGET_PERCENT, note
    )
    if not still_running:
        figure.met = False
        figure.note += " (the process ended during the window)"
    figure.details = {"cpu_seconds": cpu_end - cpu_start, "window_s": elapsed}
    return [figure]
