"""How a serving process's threads share the interpreter."""

from __future__ import annotations

import sys

# A request waits on the database several times (a heartbeat: the account, the
# participant, the write, the commit). Each time the answer arrives, its thread must get
# the GIL back from whichever thread runs Python meanwhile, and CPython hands it over only
# every switch interval (5 ms by default): with 4 threads per worker, a 1 ms request spent
# most of its time queued for the GIL. Half a millisecond cut that wait; the extra switches
# cost less than they save (ADR 13).
SWITCH_INTERVAL_S = 0.0005


def serve_threads_promptly() -> None:
    """Called once in a process that serves HTTP with threads, before its workers fork."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
