"""Mail servers for the outbox's tests: a real SMTP server (aiosmtpd), a slow one, and one that accepts connections
and never answers, as a stuck mail server does."""

import asyncio
import socket
import struct
import threading

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HangingMailServer:
    """Accepts every connection on `port` and says nothing, not even the greeting."""

    def __init__(self, port):
        self.port = port
        self.connections = []
        self._listener = socket.create_server(("127.0.0.1", port), reuse_port=True)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while True:
            try:
                connection, _address = self._listener.accept()
            except OSError:
                return  # closed
            self.connections.append(connection)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
        self._listener.close()
        self._thread.join(timeout=5)
        for connection in self.connections:
            # Reset rather than close, so that no TIME_WAIT keeps the port from the server that follows.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()


class _Collect:
    def __init__(self, delay):
        self.messages = []
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        await asyncio.sleep(self.delay)
        return "250 OK"


class MailServer:
    """A working SMTP server on `port`; `messages` holds the envelopes it received (rcpt_tos, content). A slow one
    answers each message `delay` seconds after it has it: a sender stopped in between sent it without knowing."""

    def __init__(self, port, delay=0):
        self._handler = _Collect(delay)
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=port)

    @property
    def messages(self):
        return self._handler.messages

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()
