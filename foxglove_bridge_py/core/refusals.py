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
The refused entries of one client request, reported as one status per reason.

A request naming 100,000 unknown channels gets one status naming the first few and the count,
not 100,000 statuses: what a hostile or buggy client can make the bridge queue stays small.
"""

from __future__ import annotations

from typing import Callable

from foxglove_bridge_py.protocol import StatusLevel

REFUSED_IDS_SHOWN = 5
"""Ids named in one status about a request's refused entries; the rest are counted."""


class Refusals:
    """Collects the entries of one request that were refused, grouped by reason."""

    def __init__(self) -> None:
        """Start with nothing refused."""
        self._by_reason: dict[tuple[StatusLevel, str, str], list] = {}

    def add(self, level: StatusLevel, one: str, many: str, value: object) -> None:
        """
        Note a refused entry.

        :param level: the status level.
        :param one: the message for one refusal, with ``{}`` for the value.
        :param many: the message for several, with ``{}`` for the list of values.
        :param value: the refused id.
        """
        entry = self._by_reason.setdefault((level, one, many), [[], 0])
        if len(entry[0]) < REFUSED_IDS_SHOWN:
            entry[0].append(value)
        entry[1] += 1

    def report(self, send_status: Callable[[StatusLevel, str], None]) -> None:
        """
        Send the client one status per reason.

        :param send_status: sends the client that made the request a status.
        """
        for (level, one, many), (shown, count) in self._by_reason.items():
            if count == 1:
                send_status(level, one.format(shown[0]))
                continue
            values = ', '.join(str(v) for v in shown)
            if count > len(shown):
                values += f' and {count - len(shown)} more'
            send_status(level, many.format(values))
