"""A call's deadline: a time.monotonic() value by which it is over, or None for no bound."""

import contextlib
import socket
import threading
import time

import httpx2


def time_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def passed(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


class Watchdog:
    """Cuts the connection at the deadline. The per-read timeout cannot: a server that sends a
    byte every little while never lets a read time out, inside one stream chunk or a JSON body."""

    def __init__(self, response: httpx2.Response, deadline: float | None) -> None:
        self.fired = False
        self._response = response
        left = time_left(deadline)
        self._timer = None if left is None else threading.Timer(max(0.0, left), self._cut)

    def __enter__(self) -> "Watchdog":
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _cut(self) -> None:
        self.fired = True
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            self._response.close()
            return
        # shutdown, not close: it wakes a read blocked in the caller's thread, which then fails and
        # closes the response itself. The base class's method leaves TLS state alone. OSError: the
        # call finished meanwhile and closed the socket.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
