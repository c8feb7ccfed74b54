"""A real SMTP server on the loopback (aiosmtpd) that keeps what it is sent, started and stopped
by the test that uses it."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Keep:
    """Accepts every mail and keeps (recipients, content) of each."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(handler=None) -> Iterator[tuple[Keep, int]]:
    """(handler, port) of a server running for the ``with`` block."""
    from aiosmtpd.controller import Controller

    handler = handler or Keep()
    ctl = Controller(handler, hostname="127.0.0.1", port=free_port())
    ctl.start()
    try:
        yield handler, ctl.port
    finally:
        ctl.stop()
