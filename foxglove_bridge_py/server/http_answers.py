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
What the server answers to a plain HTTP request, or to a WebSocket handshake it refuses.

The WebSocket port also answers three plain GETs for monitoring (``status_endpoint``):
``/status``, the bridge's figures as JSON; ``/healthz``, 200 while the asyncio loop and the
ROS executor both turn (each ticked within the last second), 503 otherwise; and ``/``, a page
for the operator (``operator_page``) that shows ``/status`` (a WebSocket handshake to ``/``
goes on as one). A browser's
request (one with an Origin header) obeys ``allowed_origins``, as its WebSocket would. With an
access file (``access.gate``), a handshake needs a token its ``anonymous`` role does not spare
it, ``/status`` a valid token of any role, and both get the same 401 for a missing and a wrong
one (no oracle); an address with too many failures gets 429. ``/healthz`` stays open for
probes. Pure: the server hands over the path, headers and peer address, and sends back what
this returns.
"""

from __future__ import annotations

from http import HTTPStatus
import json
import math
import re
from typing import Callable, Mapping, NamedTuple, Optional, Protocol

from foxglove_bridge_py.access.gate import Gate, Headers, Refusal, Refused
from foxglove_bridge_py.access.grant import Grant
from foxglove_bridge_py.protocol import SUBPROTOCOLS

HEALTH_WINDOW = 1.0
"""Seconds within which both the loop and the executor must have turned to count as healthy."""
MISSING_SUBPROTOCOL = (f'Missing expected sec-websocket-protocol header: offer one of '
                       f'{", ".join(SUBPROTOCOLS)}\n')
TEXT = 'text/plain; charset=utf-8'
UNAUTHORIZED = ('Unauthorized: this bridge needs a valid access token, given in the URL as '
                'ws://<robot>:<port>/?token=<token> or as the header "Authorization: Bearer '
                '<token>"\n')
"""The one body of every 401, for a missing and a wrong token alike."""


class Answer(NamedTuple):
    """A status, a content type, a body, and any further headers."""

    status: HTTPStatus
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class Monitoring(NamedTuple):
    """What the monitoring endpoints read: the figures, each thread's heartbeat, the page."""

    report: Callable[[], Mapping[str, object]]
    heartbeat_ages: Callable[[], tuple[float, float]]
    page: bytes = b''


class RequestHeaders(Headers, Protocol):
    """A handshake's headers, as websockets gives them: a header may come more than once."""

    def get_all(self, key: str) -> list[str]:
        """
        Read every value of a header.

        :param key: its name.
        :return: its values, in order.
        """


def _upgrade(headers: RequestHeaders) -> bool:
    return 'websocket' in (headers.get('Upgrade') or '').lower()


def _offered_subprotocols(headers: RequestHeaders) -> list[str]:
    offered: list[str] = []
    for value in headers.get_all('Sec-WebSocket-Protocol'):
        offered.extend(p.strip() for p in value.split(','))
    return offered


class HttpAnswers:
    """Decides the answer to each request the WebSocket server gets before a handshake."""

    def __init__(self, allowed_origins: tuple[re.Pattern[str], ...], *,
                 report: Optional[Callable[[], Mapping[str, object]]] = None,
                 heartbeat_ages: Optional[Callable[[], tuple[float, float]]] = None,
                 gate: Optional[Gate] = None, page: bytes = b'',
                 unserved: Optional[Callable[[str, Optional[Grant]], Optional[str]]] = None
                 ) -> None:
        """
        Set the rules.

        :param allowed_origins: compiled patterns of the browser origins allowed.
        :param report: the figures for ``/status``; None: no monitoring endpoints.
        :param heartbeat_ages: seconds since the loop and the executor last turned.
        :param gate: who may connect, with an access file; None: anyone.
        :param page: the operator's page for ``GET /``; empty: none.
        :param unserved: says why a handshake's path names nothing served (the relay: no such
            robot online for this token), for a 404 before the upgrade; None: every path is.
        """
        self._unserved = unserved
        self._allowed_origins = allowed_origins
        self._report = report
        self._heartbeat_ages = heartbeat_ages
        self._gate = gate
        self._page = page

    def answer(self, path: str, headers: RequestHeaders, address: str = ''
               ) -> Optional[Answer]:
        """
        Answer a request, or let its WebSocket handshake go on.

        :param path: the request target, e.g. ``/status?pretty``.
        :param headers: its headers (``get`` and ``get_all``, as websockets gives them).
        :param address: the client's IP address, whose failed attempts are counted.
        :return: the answer, or None for a handshake to accept.
        """
        route = path.split('?', 1)[0]
        origin = headers.get('Origin')
        if origin is not None and not any(p.fullmatch(origin) for p in self._allowed_origins):
            refusal = f'Origin {origin} is not in allowed_origins\n'
            return Answer(HTTPStatus.FORBIDDEN, TEXT, refusal.encode())
        report, heartbeat_ages = self._report, self._heartbeat_ages
        monitoring = report is not None and (
            route in ('/status', '/healthz') or (route in ('/', '/index.html') and bool(self._page)
                                                 and not _upgrade(headers)))
        if monitoring and route == '/healthz' and heartbeat_ages is not None:
            return _health(heartbeat_ages)
        grant: Optional[Grant] = None
        if self._gate is not None:
            admitted = self._gate.admit(path, headers, address, token_required=monitoring)
            if isinstance(admitted, Refused):
                return _refused(admitted)
            grant = admitted
        if monitoring and report is not None:
            return _status(report) if route == '/status' else Answer(
                HTTPStatus.OK, 'text/html; charset=utf-8', self._page,
                (('Cache-Control', 'no-store'),))
        if not any(p in SUBPROTOCOLS for p in _offered_subprotocols(headers)):
            return Answer(HTTPStatus.BAD_REQUEST, TEXT, MISSING_SUBPROTOCOL.encode())
        missing = self._unserved(route, grant) if self._unserved is not None else None
        if missing is not None:
            return Answer(HTTPStatus.NOT_FOUND, TEXT, f'{missing}\n'.encode())
        return None


def _status(report: Callable[[], Mapping[str, object]]) -> Answer:
    body = json.dumps(report(), indent=1, sort_keys=True) + '\n'
    return Answer(HTTPStatus.OK, 'application/json', body.encode())


def _health(heartbeat_ages: Callable[[], tuple[float, float]]) -> Answer:
    loop_age, executor_age = heartbeat_ages()
    stalled = [f'{name} last turned {age:.1f} s ago' for name, age in (
        ('the asyncio loop', loop_age), ('the ROS executor', executor_age))
        if age > HEALTH_WINDOW]
    if stalled:
        return Answer(HTTPStatus.SERVICE_UNAVAILABLE, TEXT,
                      f'stalled: {"; ".join(stalled)}\n'.encode())
    return Answer(HTTPStatus.OK, TEXT, b'ok\n')


def _refused(refused: Refused) -> Answer:
    if refused.reason == Refusal.TOO_MANY_FAILURES:
        seconds = math.ceil(refused.retry_after)
        return Answer(HTTPStatus.TOO_MANY_REQUESTS, TEXT,
                      f'Too many failed attempts from this address: try again in {seconds} s\n'
                      .encode(), (('Retry-After', str(seconds)),))
    return Answer(HTTPStatus.UNAUTHORIZED, TEXT, UNAUTHORIZED.encode(),
                  (('WWW-Authenticate', 'Bearer realm="foxglove_bridge"'),))
