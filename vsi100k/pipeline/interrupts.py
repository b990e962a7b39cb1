"""Ctrl-C that never cuts an import in half, and that a library cannot swallow.

A KeyboardInterrupt raised while a compiled extension is being imported (Open3D is imported lazily,
by the first scan that needs it) leaves it half-initialised: the next scans fail with ImportErrors,
the interrupt itself is turned into one, and at exit the library prints its memory statistics as a
screenful of warnings. `interrupts_deferred()` installs a SIGINT handler that, while an import is in
progress, only records the signal and asks again 0.1 s later (`_thread.interrupt_main`), so the
KeyboardInterrupt arrives just after the import. `Interrupts.check()` raises it again if something
caught it meanwhile. What must not be here: printing, exit codes (the CLI's), or any stage logic.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RETRY_S = 0.1


def _importing(frame) -> bool:
    """Whether the interrupted Python frame is inside the import machinery."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


class Interrupts:
    """The SIGINT handler of a run: `seen` once Ctrl-C came; `check()` raises KeyboardInterrupt then."""

    def __init__(self) -> None:
        self.seen = False

    def handler(self, signum, frame) -> None:
        self.seen = True
        if _importing(frame):
            import _thread

            timer = threading.Timer(RETRY_S, _thread.interrupt_main)
            timer.daemon = True
            timer.start()
            return
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt


@contextmanager
def interrupts_deferred() -> Iterator[Interrupts]:
    """Install an `Interrupts` handler for the block (main thread only), or reuse the one installed."""
    current = signal.getsignal(signal.SIGINT)
    owner = getattr(current, "__self__", None)
    if isinstance(owner, Interrupts):
        yield owner
        return
    interrupts = Interrupts()
    if threading.current_thread() is not threading.main_thread() or current is not signal.default_int_handler:
        yield interrupts  # not ours to change (an embedding application handles SIGINT)
        return
    signal.signal(signal.SIGINT, interrupts.handler)
    try:
        yield interrupts
    finally:
        signal.signal(signal.SIGINT, current)
