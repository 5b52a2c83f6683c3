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
The door: which grant a connecting client holds, and which addresses are kept out for a while.

A client presents its token as ``Authorization: Bearer <token>`` (scripts, proxies) or as the
``token`` query parameter of the URL, which is how a browser's WebSocket, which cannot set
headers, carries it: the Foxglove app and Lichtblick open the URL as it was typed. A wrong
token counts as a failure of its address; after :data:`MAX_FAILURES` within
:data:`FAILURE_WINDOW` seconds that address is refused for :data:`BLOCK_SECONDS`, in O(1) and
without slowing anyone else. Pure: the clock is given.
"""

from __future__ import annotations

from collections import deque, OrderedDict
import enum
import time
from typing import Callable, NamedTuple, Optional, Protocol, Union
from urllib.parse import parse_qs, urlsplit

from foxglove_bridge_py.access.grant import Grant
from foxglove_bridge_py.access.table import AccessTable

MAX_FAILURES = 10
FAILURE_WINDOW = 60.0
BLOCK_SECONDS = 60.0
MAX_ADDRESSES = 10000
"""Addresses whose failures are remembered at once; the oldest are forgotten beyond that."""


class Headers(Protocol):
    """A request's headers, as websockets gives them (a dict serves in tests)."""

    def get(self, key: str) -> Optional[str]:
        """
        Read a header.

        :param key: its name.
        :return: its value, or None if the request has none.
        """


def presented_token(path: str, headers: Headers) -> Optional[str]:
    """
    Find the token a request presents: the bearer header first, else the URL's query.

    :param path: the request target, e.g. ``/?token=...``.
    :param headers: its headers (``get``, as websockets gives them).
    :return: the token, or None if it presents none (an empty one counts as none).
    """
    authorization = headers.get('Authorization')
    if authorization:
        scheme, _, value = authorization.strip().partition(' ')
        if scheme.lower() == 'bearer' and value.strip():
            return value.strip()
    query = urlsplit(path).query
    if query:
        values = parse_qs(query).get('token')
        if values and values[0]:
            return values[0]
    return None


class FailureLimiter:
    """Failed attempts by address, and the addresses refused until a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *,
                 max_failures: int = MAX_FAILURES, window: float = FAILURE_WINDOW,
                 block: float = BLOCK_SECONDS, max_addresses: int = MAX_ADDRESSES) -> None:
        """
        Start with no failure.

        :param clock: monotonic seconds.
        :param max_failures: failures within ``window`` that get an address refused.
        :param window: seconds over which failures are counted.
        :param block: seconds an address is refused for.
        :param max_addresses: addresses remembered at once (bounded memory).
        """
        self._clock = clock
        self._max_failures = max_failures
        self._window = window
        self._block = block
        self._max_addresses = max_addresses
        self._failures: OrderedDict[str, deque] = OrderedDict()
        self._blocked: OrderedDict[str, float] = OrderedDict()

    def blocked_for(self, address: str) -> float:
        """
        Tell how long an address is still refused.

        :param address: the client's IP address.
        :return: seconds left, 0 if it is not refused.
        """
        until = self._blocked.get(address)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._blocked[address]
            return 0.0
        return left

    def fail(self, address: str) -> None:
        """
        Count a failed attempt; the one that makes :data:`MAX_FAILURES` refuses the address.

        :param address: the client's IP address.
        """
        now = self._clock()
        times = self._failures.pop(address, None) or deque(maxlen=self._max_failures)
        times.append(now)
        if len(times) == self._max_failures and now - times[0] <= self._window:
            self._blocked.pop(address, None)
            self._blocked[address] = now + self._block
            _bound(self._blocked, self._max_addresses)
            return
        self._failures[address] = times
        _bound(self._failures, self._max_addresses)


def _bound(entries: OrderedDict, most: int) -> None:
    while len(entries) > most:
        entries.popitem(last=False)


class Refusal(enum.Enum):
    """Why a request is not let in."""

    UNAUTHORIZED = 'unauthorized'
    """No valid token: the same answer for a missing and a wrong one."""
    TOO_MANY_FAILURES = 'too many failures'


class Refused(NamedTuple):
    """A request kept out, and for how long its address is (for ``Retry-After``)."""

    reason: Refusal
    retry_after: float = 0.0


class Gate:
    """Admits requests by their token, against the access table in force."""

    def __init__(self, table: AccessTable, clock: Callable[[], float] = time.monotonic) -> None:
        """
        Guard with a table.

        :param table: the access file as read at start-up.
        :param clock: monotonic seconds.
        """
        self.table = table
        self.limiter = FailureLimiter(clock)

    def admit(self, path: str, headers: Headers, address: str, *, token_required: bool = False
              ) -> Union[Grant, Refused]:
        """
        Decide a request: the grant it holds, or why it is refused.

        :param path: the request target.
        :param headers: its headers.
        :param address: the client's IP address.
        :param token_required: refuse a request without a token even where ``anonymous``
            admits one (``/status``).
        :return: the grant, or the refusal.
        """
        retry_after = self.limiter.blocked_for(address)
        if retry_after > 0:
            return Refused(Refusal.TOO_MANY_FAILURES, retry_after)
        token = presented_token(path, headers)
        grant = None if token is None and token_required else self.table.grant_for(token)
        if grant is None:
            self.limiter.fail(address)
            return Refused(Refusal.UNAUTHORIZED)
        return grant

    def grant_for(self, path: str, headers: Headers) -> Optional[Grant]:
        """
        Find the grant of a request admitted already, against the table in force now.

        :param path: the request target.
        :param headers: its headers.
        :return: the grant, or None if the table changed and refuses it now.
        """
        return self.table.grant_for(presented_token(path, headers))
