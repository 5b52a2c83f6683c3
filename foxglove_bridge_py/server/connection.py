# Copyright 2026 foxglove_bridge_py contributors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
What the server keeps of one open connection: its socket's state, its progress and its probes.

The watchdog reads the progress to find stalled clients; the figures
(``monitoring.status_report``) read who the client is (address, subprotocol, Origin, since
when) and when it last answered a probe ping. Probes are pings of our own, one a second at
most, because the library's keepalive pings are too rare (``ping_interval_ms``) to tell how
fresh a link is; on a saturated link a probe waits behind the data, which is exactly what its
age should show. Loop only; it holds a
websockets connection but needs nothing of the library's own names.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import AsyncIterator, Awaitable, Optional, Protocol, Union

from foxglove_bridge_py.access.gate import Headers
from foxglove_bridge_py.core.client_session import ClientSession
from foxglove_bridge_py.core.seams import Log
from foxglove_bridge_py.monitoring.status_report import ClientLink
from foxglove_bridge_py.server.framing import SendPath

SOCKET_UNSENT_LOW_WATER = 16 * 1024
"""Bytes of not-yet-sent data the kernel takes on a slow link before it reports the socket
full (Linux's TCP_NOTSENT_LOWAT): the rest waits in the bridge, where it can still be
reordered and aged. On a fast link the kernel's default applies, so that a frame goes in one
write instead of many (10 clients of a camera cost twice the CPU otherwise)."""
PROBE_INTERVAL = 1.0
"""Least seconds between two probe pings to one client."""
_TCP_NOTSENT_LOWAT = getattr(socket, 'TCP_NOTSENT_LOWAT', 25)
_UNLIMITED = 2**31 - 1


class Wakeup:
    """
    Wakes a connection's writer when its scheduler has frames, or when held ones are due.

    Set once per batch per client, so lighter than an ``asyncio.Event``: one bare future per
    wait, no waiter list, no running-loop check.
    """

    __slots__ = ('_loop', '_waiter', '_woken')

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """
        Start unset.

        :param loop: the loop the writer runs on.
        """
        self._loop = loop
        self._waiter: Optional[asyncio.Future] = None
        self._woken = False

    def wake(self) -> None:
        """Wake the writer, now or at its next wait."""
        if self._woken:
            return
        self._woken = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: Optional[float] = None) -> None:
        """
        Wait until woken, or ``timeout`` seconds at most; then unset.

        :param timeout: seconds, or None to wait until woken.
        """
        if not self._woken:
            waiter = self._waiter = self._loop.create_future()
            due = None if timeout is None else self._loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if due is not None:
                    due.cancel()
        self._woken = False


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


class WebSocket(Protocol):
    """What the server uses of a websockets connection, alike in the legacy API and 13+."""

    subprotocol: Optional[str]
    remote_address: object

    async def send(self, message: Union[str, bytes]) -> None:
        """
        Send one message.

        :param message: text or binary.
        """

    async def ping(self) -> Awaitable[float]:
        """
        Send a ping.

        :return: an awaitable that completes with the pong.
        """

    def __aiter__(self) -> AsyncIterator[Union[str, bytes]]:
        """
        Receive the client's messages until the connection closes.

        :return: the messages.
        """

    async def close(self, code: int = 1000, reason: str = '') -> None:
        """
        Close the connection.

        :param code: the close code.
        :param reason: the close reason.
        """


class CloseFrame(Protocol):
    """A close frame as websockets gives it."""

    code: int
    reason: str


def _limit_unsent_bytes(ws: object, limit: int) -> bool:
    transport = getattr(ws, 'transport', None)
    sock = transport.get_extra_info('socket') if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, _TCP_NOTSENT_LOWAT, limit)
    except OSError:
        return False  # not Linux: the kernel keeps its own share
    return True


def request_target(ws: object) -> tuple[str, Headers]:
    """
    Give the path and headers of the handshake that opened a connection.

    :param ws: the websockets connection.
    :return: the request target (with its query) and the headers.
    """
    request = getattr(ws, 'request', None)  # websockets >= 13; before, path and request_headers
    if request is not None:
        return request.path, request.headers
    return getattr(ws, 'path'), getattr(ws, 'request_headers')


def how_it_closed(ws: object) -> tuple[bool, str]:
    """
    Tell who ended a connection, and why, from the close frames that were exchanged.

    :param ws: the websockets connection, closed.
    :return: whether the client ended it, and the reason, e.g. ``closed by the bridge: 1011
        keepalive ping timeout``.
    """
    # The sans-I/O state of websockets >= 13 is ws.protocol; the legacy API keeps it on ws.
    state = getattr(ws, 'protocol', None)
    if not hasattr(state, 'close_rcvd'):
        state = ws
    received, sent = getattr(state, 'close_rcvd'), getattr(state, 'close_sent')
    if received is not None and (sent is None or getattr(state, 'close_rcvd_then_sent')):
        return True, f'closed by the client: {_close_words(received)}'
    if sent is not None:
        return False, f'closed by the bridge: {_close_words(sent)}'
    return False, 'connection lost without a close frame (1006)'


def size_refusal(frame: Union[str, bytes], max_json: int, max_message: int) -> Optional[str]:
    """
    Say why a client's frame is refused for its size, before anything parses it.

    :param frame: a text (JSON) or binary frame.
    :param max_json: ``max_json_message_size``.
    :param max_message: ``max_message_size``.
    :return: the status text, or None if it may be handled.
    """
    # A character is one to four bytes in UTF-8: encode only where the count leaves a doubt.
    if isinstance(frame, str) and (len(frame) > max_json or (
            len(frame) * 4 > max_json and len(frame.encode()) > max_json)):
        return (f'JSON message of {len(frame.encode())} bytes refused before parsing: '
                f'max_json_message_size is {max_json}')
    if len(frame) > max_message:
        return f'Message of {len(frame)} bytes refused: max_message_size is {max_message}'
    return None


def log_end(log: Log, ws: object, name: str) -> None:
    """
    Log that a connection ended, with who closed it and why (INFO by the client, else WARNING).

    :param log: the server's logger.
    :param ws: the websockets connection, closed.
    :param name: the client's address, as the connect line gave it.
    """
    # Every end gets its line with the reason: the library's own closes (a keepalive timeout,
    # a message over max_size) would otherwise pass without a word.
    by_client, reason = how_it_closed(ws)
    (log.info if by_client else log.warning)(f'client {name} disconnected ({reason})')


def _close_words(close: CloseFrame) -> str:
    return f'{close.code} {close.reason}'.strip()


def _request_header(ws: object, name: str) -> Optional[str]:
    return request_target(ws)[1].get(name)


class Connection:
    """What the server tracks of one open connection, for the watchdog and for shutdown."""

    __slots__ = ('ws', 'session', 'transport', 'writer', 'progress', 'last_buffered',
                 'last_progress', 'unsent_limited', 'send_path', 'connected_at', 'origin',
                 'last_pong', 'last_probe', 'probe')

    def __init__(self, ws: WebSocket, session: ClientSession) -> None:
        """
        Track a connection that has just been accepted.

        :param ws: the websockets connection.
        :param session: its client in the core.
        """
        self.ws = ws
        self.session = session
        self.transport: Optional[asyncio.WriteTransport] = getattr(ws, 'transport', None)
        self.writer: Optional[asyncio.Future[None]] = None
        self.progress = 0
        self.last_buffered = 0
        self.last_progress = time.monotonic()
        self.unsent_limited = False
        self.send_path: Optional[SendPath] = None
        self.connected_at = time.time()
        self.origin = _request_header(ws, 'Origin')
        self.last_pong = self.last_probe = self.last_progress  # the handshake was answered
        self.probe: Optional[asyncio.Future[None]] = None

    def follow_link_speed(self) -> None:
        """Keep the kernel's unsent bytes small while the link is slow, and only then."""
        slow = self.session.send_queue.link.slow
        if slow != self.unsent_limited:
            if _limit_unsent_bytes(self.ws, SOCKET_UNSENT_LOW_WATER if slow else _UNLIMITED):
                self.unsent_limited = slow

    def buffered(self) -> int:
        """
        Return the bytes waiting in the transport's buffer.

        :return: bytes written to the transport that the socket has not taken yet.
        """
        transport = self.transport
        if transport is None or transport.is_closing():
            return 0
        return transport.get_write_buffer_size()

    def stalled_for(self, now: float, last_progress_count: int) -> float:
        """
        Return how long the socket has taken no bytes although some wait to be sent.

        :param now: monotonic seconds.
        :param last_progress_count: the writer's progress count at the previous check.
        :return: seconds without progress (0 while it makes progress or has nothing to send).
        """
        buffered = self.buffered()
        waiting = buffered > 0 or len(self.session.send_queue) > 0
        if (not waiting or self.progress != last_progress_count
                or buffered < self.last_buffered):
            self.last_progress = now
        self.last_buffered = buffered
        return now - self.last_progress

    def probe_if_due(self, now: float) -> None:
        """
        Send a probe ping unless one is on its way or the last went under a second ago.

        :param now: monotonic seconds.
        """
        if self.probe is not None or now - self.last_probe < PROBE_INTERVAL:
            return
        self.last_probe = now
        self.probe = asyncio.ensure_future(self._ping())
        self.probe.add_done_callback(self._probe_done)

    async def _ping(self) -> None:
        pong = await self.ws.ping()
        await pong
        self.last_pong = time.monotonic()

    def _probe_done(self, task: asyncio.Future[None]) -> None:
        self.probe = None
        if not task.cancelled():
            task.exception()  # a closed connection: the handler is cleaning up already

    def close(self) -> None:
        """Stop the writer and any probe; the socket is closed by its owner."""
        for task in (self.writer, self.probe):
            if task is not None:
                task.cancel()

    def link(self, now: float) -> ClientLink:
        """
        Describe the connection for the figures.

        :param now: monotonic seconds.
        :return: who the client is and how fresh its link is.
        """
        return ClientLink(address=self.session.name, subprotocol=self.ws.subprotocol,
                          origin=self.origin, connected_at=self.connected_at,
                          last_pong_age=now - self.last_pong)
