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
The WebSocket server: handshake, one reader and one writer task per client, and a watchdog.

What it answers to a plain HTTP request (``/status``, ``/healthz``) or a handshake it refuses is
``server.http_answers``' decision; this module only sends it, in each websockets API's way. With an
access file, the client's grant (``access``) is found again from its handshake when its
session starts, and a client whose rights the file takes away is closed with 1008.

Works with websockets 10.4 (the legacy API that Debian and Ubuntu ship) up to 17.x (the
``websockets.asyncio`` API); how frames are written on each is ``server.framing``'s matrix. Only
this module imports websockets.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
from typing import Callable, Optional, TYPE_CHECKING, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.access.gate import Gate
from foxglove_bridge_py.access.grant import Grant, OPEN
from foxglove_bridge_py.core.client_session import ClientSession, Effect
from foxglove_bridge_py.core.seams import ServedHub
from foxglove_bridge_py.monitoring.status_report import ClientLink
from foxglove_bridge_py.protocol import StatusLevel, SUBPROTOCOLS
from foxglove_bridge_py.send_path.link_meter import LinkMemory
from foxglove_bridge_py.server.connection import (Connection, log_end, request_target,
                                                  size_refusal, Wakeup, WebSocket)
from foxglove_bridge_py.server.framing import batch_sender, SendPath
from foxglove_bridge_py.server.http_answers import HttpAnswers, Monitoring, RequestHeaders
import websockets

if TYPE_CHECKING:  # websockets is imported untyped: these names are its boundary
    from websockets.asyncio.server import Server, ServerConnection
    from websockets.http11 import Request, Response

try:  # websockets >= 13
    from websockets.asyncio.server import serve as _serve
    _NEW_API = True
except ImportError:  # websockets 10.x-12.x
    from websockets.legacy.server import serve as _serve, WebSocketServerProtocol
    _NEW_API = False

MAX_INBOUND_MESSAGE_SIZE = 64 * 1024 * 1024
"""Largest client message accepted, as the SDK's default: big publishes and service calls."""

MAX_JSON_MESSAGE_SIZE = 1024 * 1024
"""Largest JSON request parsed: parsing several MB holds the loop for every other client."""
PING_INTERVAL = 20.0
PING_TIMEOUT = 30.0
CLOSE_TIMEOUT = 1.0
SHUTDOWN_CLOSE_TIMEOUT = 0.5
"""Seconds clients get to answer the close at shutdown before their sockets are aborted."""
MEASURED_BATCH = 64 * 1024
"""Bytes of a write large enough to fill the socket, so that its drain measures the link."""

WRITE_BATCH_BYTES = 256 * 1024
"""Bytes of frames written to a socket before waiting for it to drain."""

EffectSink = Callable[[list[Effect]], None]

_log = logging.getLogger(__name__)


def _ip(remote_address: object) -> str:
    return str(remote_address[0]) if isinstance(remote_address, tuple) and remote_address else ''


def _request_checker(answers: HttpAnswers) -> dict[str, object]:
    # The two APIs' hooks, around one decision: serve /status or /healthz, refuse, or go on.
    # Each gives the peer's address its own way: the legacy API only to a protocol subclass.
    if _NEW_API:
        def process_request(connection: ServerConnection, request: Request
                            ) -> Optional[Response]:
            answer = answers.answer(request.path, request.headers,
                                    _ip(connection.remote_address))
            if answer is None:
                return None
            response = connection.respond(answer.status, answer.body.decode())
            del response.headers['Content-Type']
            response.headers['Content-Type'] = answer.content_type
            for name, value in answer.headers:
                response.headers[name] = value
            return response
        return {'process_request': process_request}

    class CheckedProtocol(WebSocketServerProtocol):
        async def process_request(self, path: str, headers: RequestHeaders
                                  ) -> Optional[tuple[int, list[tuple[str, str]], bytes]]:
            answer = answers.answer(path, headers, _ip(self.remote_address))
            if answer is None:
                return None
            return (answer.status, [('Content-Type', answer.content_type), *answer.headers],
                    answer.body)
    return {'create_protocol': CheckedProtocol}


async def _refuse(ws: WebSocket, code: int, reason: str, status: Optional[str] = None
                  ) -> None:
    try:
        if status is not None:
            await ws.send(status)
        await ws.close(code, reason)
    except websockets.ConnectionClosed:
        pass


async def _close_all(connections: list[Connection]) -> None:
    for connection in connections:
        connection.close()
    closing = [asyncio.ensure_future(c.ws.close(1001, 'server shutting down'))
               for c in connections]
    if closing:
        await asyncio.wait(closing, timeout=SHUTDOWN_CLOSE_TIMEOUT)
    for connection in connections:
        if connection.transport is not None and not connection.transport.is_closing():
            connection.transport.abort()
    for task in closing:
        task.cancel()


class FoxgloveServer:
    """Serves the Foxglove WebSocket protocol for a :class:`Hub`, on the running loop."""

    def __init__(self, hub: ServedHub, effects: EffectSink, *, address: str, port: int,
                 ssl_context: Optional[ssl.SSLContext] = None, compression: bool = False,
                 logger: Optional[logging.Logger] = None,
                 allowed_origins: tuple[re.Pattern[str], ...] = (),
                 max_clients: int = 0, max_message_size: int = MAX_INBOUND_MESSAGE_SIZE,
                 ping_interval: float = PING_INTERVAL, ping_timeout: float = PING_TIMEOUT,
                 send_path: Optional[SendPath] = None,
                 monitoring: Optional[Monitoring] = None, gate: Optional[Gate] = None,
                 max_json_size: int = MAX_JSON_MESSAGE_SIZE,
                 hub_for: Optional[Callable[[str], Optional[ServedHub]]] = None,
                 unserved: Optional[Callable[[str, Optional[Grant]], Optional[str]]] = None
                 ) -> None:
        """
        Create a server; :meth:`start` binds it.

        :param hub: the protocol core.
        :param effects: carries out effects the hub returns (ROS subscriptions).
        :param address: address to bind.
        :param port: port to bind, 0 for any free port.
        :param ssl_context: serve TLS with this context.
        :param compression: offer permessage-deflate.
        :param logger: where to log connections and failures.
        :param allowed_origins: compiled patterns of allowed browser origins (empty: all).
        :param max_clients: clients at once (0: no limit).
        :param max_message_size: largest inbound message, in bytes.
        :param ping_interval: seconds between keepalive pings.
        :param ping_timeout: seconds a client may take to answer one, or to take any bytes.
        :param send_path: write frames this way (tests); by default the fastest that works.
        :param monitoring: the figures and heartbeats for GET /status and /healthz, or None.
        :param gate: admits clients by their access token; None: everyone, as an operator.
        :param max_json_size: largest JSON (text) message parsed, in bytes.
        :param hub_for: the hub that serves a handshake's path (the relay: one per robot);
            None: ``hub`` serves every path.
        :param unserved: why a path is not served, answered with 404 before the upgrade.
        """
        self._hub_for = hub_for
        self._gate = gate
        self._max_json_size = max_json_size
        self._answers = HttpAnswers(
            tuple(allowed_origins) or (re.compile('.*', re.S),),
            report=monitoring and monitoring.report,
            heartbeat_ages=monitoring and monitoring.heartbeat_ages, gate=gate,
            page=monitoring.page if monitoring else b'', unserved=unserved)
        self._max_clients = max_clients
        self._max_message_size = max_message_size
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self.hub = hub
        self._effects = effects
        self._address = address
        self._port = port
        self._ssl = ssl_context
        self._compression = compression
        self._log = logger or _log
        self._server: Optional[Server] = None
        self._connections: dict[int, Connection] = {}
        self._link_memory = LinkMemory()
        self._watchdog: Optional[asyncio.Future] = None
        self._send_path = send_path

    @property
    def port(self) -> int:
        """
        Return the port the server is bound to.

        :return: the TCP port.
        """
        assert self._server is not None, 'the server is started'
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Bind the listening socket."""
        self._server = await _serve(
            self._handle, self._address, self._port,
            subprotocols=list(SUBPROTOCOLS),
            **_request_checker(self._answers),
            compression='deflate' if self._compression else None,
            # Up to twice the limit a message is read and refused with a status; beyond that the
            # library closes the connection (1009) rather than buffer without bound.
            max_size=2 * self._max_message_size,
            ping_interval=self._ping_interval, ping_timeout=self._ping_timeout,
            close_timeout=CLOSE_TIMEOUT, ssl=self._ssl)
        self._watchdog = asyncio.ensure_future(self._watch())

    async def stop(self) -> None:
        """
        Close every connection with 1001 (going away) and stop listening, in bounded time.

        Clients get :data:`SHUTDOWN_CLOSE_TIMEOUT` to answer the close; the sockets of those
        that do not (stalled readers, full buffers) are aborted.
        """
        if self._server is None:
            return
        if self._watchdog is not None:
            self._watchdog.cancel()
        await _close_all(list(self._connections.values()))
        self._server.close()
        try:
            await asyncio.wait_for(self._server.wait_closed(), SHUTDOWN_CLOSE_TIMEOUT)
        except asyncio.TimeoutError:
            self._log.warning('some clients did not close in time')

    async def _watch(self) -> None:
        # A client that takes no bytes while data waits for it is gone or stalled, whether or
        # not its TCP stack still acknowledges pings: drop it, so that its subscriptions and
        # publishers are released. Pongs alone cannot tell, as a ping waits behind the data.
        period = max(0.05, min(1.0, self._ping_interval / 4, self._ping_timeout / 4))
        seen: dict[int, int] = {}
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for client_id, connection in list(self._connections.items()):
                connection.probe_if_due(now)
                stalled = connection.stalled_for(now, seen.get(client_id, -1))
                seen[client_id] = connection.progress
                if stalled > self._ping_timeout:
                    self._log.warning(
                        f'client {connection.session.name} took no data for '
                        f'{stalled:.1f} s: dropping it')
                    self._drop(connection)
            for client_id in list(seen):
                if client_id not in self._connections:
                    del seen[client_id]

    def links(self) -> dict[int, ClientLink]:
        """
        Describe every open connection, for the figures.

        :return: each client's address, subprotocol, Origin, start and last pong, by id.
        """
        now = time.monotonic()
        return {client_id: c.link(now) for client_id, c in self._connections.items()}

    def _drop(self, connection: Connection) -> None:
        self._connections.pop(connection.session.client_id, None)
        connection.close()
        if connection.transport is not None:
            connection.transport.abort()

    def _overflowed(self, connection: Connection) -> None:
        self._log.warning(f'client {connection.session.name} does not read its replies: '
                          'closing it (1008)')
        self._violated(connection, 'send buffer exceeded')

    def close(self, client_id: int, code: int, reason: str) -> None:
        """
        Close a client's connection, in bounded time.

        :param client_id: the client.
        :param code: the close code, e.g. 1001 (going away).
        :param reason: the close frame's reason (no secret).
        """
        connection = self._connections.get(client_id)
        if connection is not None:
            self._close_with(connection, code, reason)

    def revoke(self, client_id: int, reason: str) -> None:
        """
        Close a client whose rights were taken away, with 1008 (policy violation).

        :param client_id: the client.
        :param reason: why, for the log and the close frame (no secret).
        """
        connection = self._connections.get(client_id)
        if connection is None:
            return
        self._log.warning(f'client {connection.session.name} ({connection.session.grant.who}) '
                          f'closed (1008): {reason}')
        self._violated(connection, reason)

    def _violated(self, connection: Connection, reason: str) -> None:
        self._close_with(connection, 1008, reason)

    def _close_with(self, connection: Connection, code: int, reason: str) -> None:
        if connection.writer is not None:
            connection.writer.cancel()
        task = asyncio.ensure_future(self._close_within(connection, code, reason))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _close_within(self, connection: Connection, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(connection.ws.close(code, reason), CLOSE_TIMEOUT)
        except (asyncio.TimeoutError, websockets.ConnectionClosed):
            pass
        if connection.transport is not None and not connection.transport.is_closing():
            connection.transport.abort()

    async def _handle(self, ws: WebSocket, path: Optional[str] = None) -> None:
        peer = ws.remote_address
        name = f'{peer[0]}:{peer[1]}' if isinstance(peer, tuple) and peer else 'client'
        hub = self.hub if self._hub_for is None else self._hub_for(
            request_target(ws)[0].split('?', 1)[0])
        if hub is None:  # answered at the handshake, but gone since (a robot went offline)
            await _refuse(ws, 1001, 'not served any more')
            return
        if self._max_clients and len(hub.sessions) >= self._max_clients:
            self._log.warning(f'client {name} refused: {self._max_clients} clients connected')
            await _refuse(ws, 1013, 'too many clients', protocol.status(
                StatusLevel.ERROR, f'Too many clients: the bridge serves at most '
                f'{self._max_clients}'))
            return
        grant = self._grant(ws)
        if grant is None:  # admitted at the handshake, but the access file changed since
            self._log.warning(f'client {name} refused: its token is no longer valid')
            await _refuse(ws, 1008, 'access token no longer valid')
            return
        session = hub.connect(name, grant)
        remembered = self._link_memory.recall(_ip(peer), time.monotonic())
        if remembered is not None:
            session.send_queue.seed_link(remembered)
        connection = Connection(ws, session)
        connection.follow_link_speed()
        self._connections[session.client_id] = connection
        who = '' if grant is OPEN else f' as {grant.who} ({grant.role.label})'
        self._log.info(f'client {name} connected ({ws.subprotocol}){who}')
        wakeup = Wakeup(asyncio.get_running_loop())
        session.send_queue.set_on_ready(wakeup.wake)
        session.send_queue.set_on_overflow(lambda: self._overflowed(connection))
        wakeup.wake()
        connection.writer = asyncio.ensure_future(self._write(connection, wakeup))
        try:
            async for frame in ws:
                refusal = size_refusal(frame, self._max_json_size, self._max_message_size)
                if refusal is not None:
                    session.send_status(StatusLevel.ERROR, refusal)
                    continue
                await self._handle_frame(hub, session, frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            self._connections.pop(session.client_id, None)
            connection.close()
            self._link_memory.remember(_ip(peer), session.send_queue.throughput(),
                                       time.monotonic())
            effects = hub.disconnect(session)
            if effects:
                self._effects(effects)
            log_end(self._log, ws, name)

    def _grant(self, ws: WebSocket) -> Optional[Grant]:
        if self._gate is None:
            return OPEN
        return self._gate.grant_for(*request_target(ws))

    async def _handle_frame(self, hub: ServedHub, session: ClientSession,
                            frame: Union[str, bytes]) -> None:
        # A large request is handled in slices, with other clients served in between.
        try:
            first = True
            for effects in hub.handle_frame_in_slices(session, frame):
                if not first:
                    await asyncio.sleep(0)
                first = False
                if effects:
                    self._effects(effects)
        except Exception as exc:  # noqa: B902 - a bug must not cost the client its socket
            self._log.exception(f'handling a message from {session.name} failed')
            session.send_status(StatusLevel.ERROR, f'Internal error: {exc!r}')

    async def _write(self, connection: Connection, wakeup: Wakeup) -> None:
        ws, session = connection.ws, connection.session
        queue = session.send_queue
        path, send_batch = batch_sender(ws, websockets.ConnectionClosed, self._send_path)
        connection.send_path = path
        clock = time.monotonic
        try:
            while True:
                # Large messages may wait for a subscription's first small ones, briefly: then
                # the writer wakes when they are due even if nothing new arrives.
                await wakeup.wait(queue.wake_in())
                # Small batches, each written and drained before the scheduler chooses the
                # next: what it has not handed out yet it can still reorder, age and drop.
                batch = queue.take(WRITE_BATCH_BYTES)
                while batch:
                    started = clock()
                    await send_batch(batch)
                    connection.progress += 1
                    size = queue.taken_bytes
                    if len(queue) or size >= MEASURED_BATCH:
                        # The link, not the source, set the pace: the write measures it.
                        finished = clock()
                        queue.link.record(size, finished - started, finished)
                        connection.follow_link_speed()
                    batch = queue.take(WRITE_BATCH_BYTES)
        except websockets.ConnectionClosed:
            pass
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: B902 - a writer failure must close only this client
            self._log.exception(f'sending to {session.name} failed')
            await ws.close(1011, 'internal error')
