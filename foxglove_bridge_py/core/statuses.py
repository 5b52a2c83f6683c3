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
The bridge's standing statuses: problems every client is told of, now and when it connects.

A standing status stays until it is withdrawn with ``removeStatus``: a channel's missing
definition, a failed subscription, a QoS mismatch, a /diagnostics entry that is not OK. Problems
of a channel are withdrawn with it.
"""

from __future__ import annotations

import enum
from typing import Callable, Iterable, Sequence, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.protocol import StatusLevel


class DiagnosticLevel(enum.IntEnum):
    """The levels of diagnostic_msgs/DiagnosticStatus."""

    OK = 0
    WARN = 1
    ERROR = 2
    STALE = 3


class Statuses:
    """Standing statuses by id, sent to every client through ``broadcast``."""

    def __init__(self, broadcast: Callable[[Union[str, bytes]], None]) -> None:
        """
        Start with none.

        :param broadcast: sends a frame to every connected client.
        """
        self._broadcast = broadcast
        self._texts: dict[str, str] = {}
        self._by_channel: dict[int, set[str]] = {}

    def frames(self) -> list[str]:
        """
        Return the standing statuses, to greet a new client or a new session with.

        :return: the encoded ``status`` messages.
        """
        return list(self._texts.values())

    def set(self, status_id: str, level: StatusLevel, message: str) -> None:  # noqa: A003
        """
        Report a standing problem to every client, now and on connect, until it is cleared.

        :param status_id: a stable id; a new status with the same id replaces the old one.
        :param level: warning or error (or info).
        :param message: the text.
        """
        text = protocol.status(level, message, status_id)
        if self._texts.get(status_id) == text:
            return
        self._texts[status_id] = text
        self._broadcast(text)

    def clear(self, status_ids: Iterable[str]) -> None:
        """
        Withdraw standing problems with ``removeStatus``; unknown ids are ignored.

        :param status_ids: the ids.
        """
        removed = [i for i in status_ids if self._texts.pop(i, None) is not None]
        if removed:
            self._broadcast(protocol.remove_status(removed))

    def channel_problem(self, channel: protocol.Channel, kind: str, level: StatusLevel,
                        message: str) -> None:
        """
        Report a problem with a channel until it is solved or the channel goes.

        :param channel: the channel.
        :param kind: ``schema``, ``subscription``, ``qos`` or ``twin``.
        :param level: warning or error.
        :param message: the text.
        """
        status_id = f'foxglove_bridge_py.{kind}:{channel.topic}:{channel.schema_name}'
        self._by_channel.setdefault(channel.id, set()).add(status_id)
        self.set(status_id, level, message)

    def clear_channel_problems(self, channel_id: int, kinds: Sequence[str]) -> None:
        """
        Withdraw a channel's problems of the given kinds.

        :param channel_id: the channel.
        :param kinds: which kinds, e.g. ``('subscription', 'qos')``.
        """
        ids = self._by_channel.get(channel_id)
        if not ids:
            return
        prefixes = tuple(f'foxglove_bridge_py.{kind}:' for kind in kinds)
        cleared = {i for i in ids if i.startswith(prefixes)}
        ids -= cleared
        if not ids:
            del self._by_channel[channel_id]
        self.clear(sorted(cleared))

    def apply_diagnostics(self, entries: Iterable[tuple[str, int, str]]) -> None:
        """
        Mirror /diagnostics: WARN, ERROR and STALE entries become statuses, OK ones go.

        :param entries: ``(name, level, message)``, level a :class:`DiagnosticLevel`.
        """
        for name, level, message in entries:
            status_id = f'diagnostics:{name}'
            if level == DiagnosticLevel.OK:
                self.clear([status_id])
            elif level == DiagnosticLevel.ERROR:
                self.set(status_id, StatusLevel.ERROR, f'{name}: {message}')
            elif level == DiagnosticLevel.STALE:
                self.set(status_id, StatusLevel.WARNING, f'{name}: stale ({message})')
            else:
                self.set(status_id, StatusLevel.WARNING, f'{name}: {message}')
