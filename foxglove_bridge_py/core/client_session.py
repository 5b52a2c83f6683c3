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
One connected client as the core sees it, and the effects the core hands to the ROS side.

Kept apart from the hub so that capabilities import what they handle without importing the
hub that registers them.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional, TypeVar, Union

from foxglove_bridge_py.access.grant import Grant, OPEN
from foxglove_bridge_py.protocol import StatusLevel
from foxglove_bridge_py.send_path.send_queue import SendQueue

TextOrBinary = Union[str, bytes]
"""A WebSocket frame to or from a client, as the core sees it: JSON text or a binary frame."""
Item = TypeVar('Item')


class Effect:
    """
    Work the core returns for the caller to carry out: a frozen dataclass naming it by ids.

    Each capability module declares its effects; ``bridge.py`` maps each type to the part that
    carries it out. An effect holds ids and values, never a live object of the other thread.
    """

    __slots__ = ()


class Audited(Effect):
    """An effect that changes the robot: the audit trail names who asked for it, and what."""

    __slots__ = ()
    client_id: int

    def audit(self) -> str:
        """
        Say what the effect does, for the audit trail; never a payload.

        :return: e.g. ``called service /arm/enable (std_srvs/srv/SetBool)``.
        """
        raise NotImplementedError


class ClientSession:
    """One connected client: what it may do, its subscriptions and its send scheduler."""

    def __init__(self, client_id: int, name: str, send_queue: SendQueue, grant: Grant = OPEN
                 ) -> None:
        """
        Create a session.

        :param client_id: a number unique among this hub's clients.
        :param name: a label for logs, such as the peer address.
        :param send_queue: the client's send queue.
        :param grant: what it may do (``access``); OPEN without an access file.
        """
        self.client_id = client_id
        self.name = name
        self.send_queue = send_queue
        self.grant = grant
        self.subscriptions: dict[int, int] = {}
        self.channel_subscriptions: dict[int, int] = {}

    def __hash__(self) -> int:
        return self.client_id

    def __eq__(self, other: object) -> bool:
        return self is other

    def send_status(self, level: StatusLevel, message: str, status_id: Optional[str] = None
                    ) -> None:
        """
        Queue a status message for this client; identical ones still waiting are merged.

        :param level: info, warning or error.
        :param message: the text.
        :param status_id: optional id for replacing or removing it later.
        """
        self.send_queue.put_status(level, message, status_id)


def send_to_each(sessions: Iterable[ClientSession], items: list[Item],
                 sees: Callable[[Grant, Item], bool],
                 encode: Callable[[list[Item]], list[str]]) -> None:
    """
    Tell each client of the items (channels, services) its token lets it see.

    The frames for all the items are encoded once and shared by every client that sees them
    all; a client that sees some gets frames of its own, one that sees none gets nothing.

    :param sessions: the clients.
    :param items: what came or went.
    :param sees: tells whether a client's grant lets it see an item.
    :param encode: makes the frames that announce some items.
    """
    if not items:
        return
    shared: Optional[list[str]] = None
    for session in sessions:
        grant = session.grant
        seen = [item for item in items if sees(grant, item)]
        if len(seen) == len(items):
            frames = shared = encode(items) if shared is None else shared
        elif seen:
            frames = encode(seen)
        else:
            continue
        for frame in frames:
            session.send_queue.put_control(frame)
