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

The send scheduler caps a channel's queue at what the link carries in a fraction of a second,
and the server keeps the kernel's unsent bytes small only while the link is slow (on a fast
link that costs CPU for nothing). Both need the link's speed, which no socket tells: it is
measured from how long writes take to drain.
"""

from __future__ import annotations

from typing import Optional

LATENCY_TARGET = 0.25
"""Seconds of link time a channel may have queued once the link is known to be slow."""
THROUGHPUT_WINDOW = 2.0
"""Seconds over which the link's throughput is averaged; an older estimate is forgotten."""
SLOW_LINK_RATE = 12_000_000
"""Bytes per second (about 100 Mbit/s) under which the link counts as slow: then what the
kernel holds unsent is kept small, as it is latency that no scheduling can undo."""
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
