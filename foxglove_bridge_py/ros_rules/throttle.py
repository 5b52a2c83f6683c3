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
A newest-wins rate limit for one topic (``topic_throttle_patterns``/``topic_throttle_rates``).

A message that comes after a quiet period goes at once; one that comes sooner waits, replaced by
any newer one, until the period since the last message sent has passed. So a 30 Hz camera
throttled to 5 Hz sends its latest frame every 0.2 s, and a topic that publishes rarely is not
delayed at all. Pure: the caller passes the time and runs the timer.
"""

from __future__ import annotations

from typing import Generic, Optional, TypeVar

Pending = TypeVar('Pending')

EARLY_TICK = 0.98
"""Share of the period a timer tick may come early (timers jitter) and still send."""


class Throttle(Generic[Pending]):
    """The last send time and the message waiting, for one throttled topic."""

    def __init__(self, period: float) -> None:
        """
        Limit a topic to one message per ``period``.

        :param period: seconds between two messages sent, at least.
        """
        self.period = period
        self.pending: Optional[Pending] = None
        self._last = float('-inf')

    def offer(self, message: Pending, now: float) -> bool:
        """
        Take a new message.

        :param message: the message.
        :param now: monotonic seconds.
        :return: True if it goes now; otherwise it waits (replacing any waiting one).
        """
        if self.pending is None and now - self._last >= self.period:
            self._last = now
            return True
        self.pending = message
        return False

    def remaining(self, now: float) -> float:
        """
        Tell how long the waiting message still has to wait.

        :param now: monotonic seconds.
        :return: seconds until the period since the last message sent ends (0 if it has).
        """
        return max(0.0, self._last + self.period - now)

    def due(self, now: float) -> Optional[Pending]:
        """
        Take the waiting message if its time has come (for a timer armed for :meth:`remaining`).

        :param now: monotonic seconds.
        :return: the message to send now, or None.
        """
        if self.pending is None or now - self._last < self.period * EARLY_TICK:
            return None
        message, self.pending = self.pending, None
        self._last = now
        return message
