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
How fast one client's link is, learnt from the writes the bridge makes to it.

The send queue caps a channel's queue at what the link carries in a fraction of a second,
and the server keeps the kernel's unsent bytes small only while the link is slow (on a fast
link that costs CPU for nothing). Both need the link's speed, which no socket tells: it is
measured from how long writes take to drain. A client that reconnects from the same address
within :data:`REMEMBERED_FOR` starts from what its last connection learnt (:class:`LinkMemory`):
on a slow link, the first frames after a reconnect are then as fresh as the later ones.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional

LATENCY_TARGET = 0.25
"""Seconds of link time a channel may have queued once the link is known to be slow."""
THROUGHPUT_WINDOW = 2.0
"""Seconds over which the link's throughput is averaged; an older estimate is forgotten."""
SLOW_LINK_RATE = 12_000_000
"""Bytes per second (about 100 Mbit/s) under which the link counts as slow: then what the
kernel holds unsent is kept small, as it is latency that no scheduling can undo."""
REMEMBERED_FOR = 60.0
"""Seconds a link's last measured speed is kept for a reconnect from the same address."""
REMEMBERED_ADDRESSES = 1000
SEED_SECONDS = 0.1
"""Weight of a remembered speed, in seconds of measurement: the first real writes outweigh it
(a different link behind the same address is learnt within a few writes)."""
FAST_LINK_RATE = 25_000_000
"""Bytes per second over which the link counts as fast again (kept apart from the slow rate
so that the choice does not flap)."""


class LinkMeter:
    """A link's recent throughput, and whether it counts as slow (it does until shown fast)."""

    __slots__ = ('_bytes', '_seconds', '_at', 'queue_cap', 'slow')

    def __init__(self) -> None:
        """Start with nothing measured: the link counts as slow, queues are uncapped."""
        self._bytes = 0.0
        self._seconds = 0.0
        self._at = float('-inf')
        self.queue_cap = float('inf')
        """Bytes the link carries in :data:`LATENCY_TARGET` (while the estimate is fresh)."""
        self.slow = True

    def record(self, nbytes: int, seconds: float, now: float) -> None:
        """
        Learn from a write and the wait for the socket to take it.

        :param nbytes: bytes written.
        :param seconds: how long writing them and waiting for the socket took.
        :param now: monotonic seconds.
        """
        if now - self._at > THROUGHPUT_WINDOW:
            self._bytes = self._seconds = 0.0
        elif self._seconds > THROUGHPUT_WINDOW:
            scale = THROUGHPUT_WINDOW / self._seconds
            self._bytes *= scale
            self._seconds *= scale
        self._bytes += nbytes
        self._seconds += seconds
        self._at = now
        if self._seconds > 0.0:
            rate = self._bytes / self._seconds
            self.queue_cap = rate * LATENCY_TARGET
            if rate < SLOW_LINK_RATE:
                self.slow = True
            elif rate > FAST_LINK_RATE:
                self.slow = False

    def seed(self, rate: float, now: float) -> None:
        """
        Start from a speed learnt before (the same address's last connection).

        :param rate: bytes per second.
        :param now: monotonic seconds.
        """
        self.record(int(rate * SEED_SECONDS), SEED_SECONDS, now)

    def fresh(self, now: float) -> bool:
        """
        Tell whether the estimate is recent enough to act on.

        :param now: monotonic seconds.
        :return: True if measured within :data:`THROUGHPUT_WINDOW`.
        """
        return now - self._at <= THROUGHPUT_WINDOW and self._seconds > 0.0

    def throughput(self, now: float) -> Optional[float]:
        """
        Return the recent throughput.

        :param now: monotonic seconds.
        :return: bytes per second, or None if nothing was measured lately.
        """
        return self._bytes / self._seconds if self.fresh(now) else None


class LinkMemory:
    """The last measured speed of the links of recent clients, by address (bounded)."""

    def __init__(self) -> None:
        """Remember nothing yet."""
        self._rates: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def remember(self, address: str, rate: Optional[float], now: float) -> None:
        """
        Keep a leaving client's link speed.

        :param address: its IP address.
        :param rate: bytes per second, or None if the link was not measured lately.
        :param now: monotonic seconds.
        """
        if rate is None or not address:
            return
        self._rates.pop(address, None)
        self._rates[address] = (rate, now)
        while len(self._rates) > REMEMBERED_ADDRESSES:
            self._rates.popitem(last=False)

    def recall(self, address: str, now: float) -> Optional[float]:
        """
        Give the speed last measured for an address, if recent.

        :param address: the new client's IP address.
        :param now: monotonic seconds.
        :return: bytes per second, or None.
        """
        remembered = self._rates.get(address)
        if remembered is None or now - remembered[1] > REMEMBERED_FOR:
            return None
        return remembered[0]
