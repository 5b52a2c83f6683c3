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
What a client lost, told to it in one status at most every few seconds.

Dropping data for a slow client is the send queue's job; saying so without flooding the
client (which is slow already) is this one's: drops are counted per channel between reports,
and the report is withdrawn once the client has kept up for as long.
"""

from __future__ import annotations

import collections
from typing import Callable, Optional

DROP_REPORT_INTERVAL = 2.5
"""Seconds between two drop reports to one client; the report is withdrawn after as long."""
DROP_STATUS_ID = 'foxglove_bridge_py.send_buffer_limit'
REPORTED_CHANNELS = 5
"""Channels named in one drop report; the rest are counted."""


class DropReport:
    """Drops counted per channel, and when to report them or withdraw the report."""

    def __init__(self, describe_channel: Callable[[int], str]) -> None:
        """
        Count nothing yet.

        :param describe_channel: names a channel in the report (its topic).
        """
        self._describe = describe_channel
        self._unreported: collections.Counter = collections.Counter()
        self._last_report = float('-inf')
        self._last_drop = float('-inf')
        self.shown = False

    def count(self, channel_id: int, messages: int = 1) -> None:
        """
        Count dropped messages.

        :param channel_id: their channel.
        :param messages: how many.
        """
        self._unreported[channel_id] += messages

    def due(self, now: float, new_drops: bool) -> Optional[str]:
        """
        Return the report's text if one is due now.

        :param now: monotonic seconds.
        :param new_drops: messages were dropped just now.
        :return: the status message, or None.
        """
        if new_drops:
            self._last_drop = now
        if not self._unreported or now - self._last_report < DROP_REPORT_INTERVAL:
            return None
        self._last_report = now
        self.shown = True
        counts = self._unreported.most_common()
        self._unreported = collections.Counter()
        total = sum(n for _, n in counts)
        named = ', '.join(f'{self._describe(c)}: {n}' for c, n in counts[:REPORTED_CHANNELS])
        if len(counts) > REPORTED_CHANNELS:
            named += f' and {len(counts) - REPORTED_CHANNELS} more channels'
        return (f'Send buffer limit reached: dropped {total} messages that the connection '
                f'could not carry in time ({named})')

    def pending(self) -> bool:
        """
        Tell whether drops wait to be reported.

        :return: True if some do.
        """
        return bool(self._unreported)

    def withdraw_due(self, now: float) -> bool:
        """
        Tell whether the shown report is to be withdrawn: the client kept up long enough.

        :param now: monotonic seconds.
        :return: True once, when it is.
        """
        if self.shown and now - self._last_drop >= DROP_REPORT_INTERVAL and not self._unreported:
            self.shown = False
            return True
        return False
