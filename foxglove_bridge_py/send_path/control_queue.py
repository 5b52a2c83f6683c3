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
One client's frames that are never dropped: control frames, replies, statuses and the time.

Control frames (statuses, advertisements, parameter values) go before any data, in order.
Identical statuses still waiting are merged into one with a count, and their bytes are bounded:
past ``limit`` the queue frees what it holds and reports an overflow, on which the server closes
the client (a client that does not read cannot grow the bridge's memory). Replies to requests
(assets, service calls) are counted apart: they are bounded where they are made, by the number
of requests a client may have open and by waiting for room (:meth:`ControlQueue.when_room`), so
they never close a slow client. The latest Time frame replaces an unsent one.
"""

from __future__ import annotations

import collections
from typing import Callable, Optional, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.protocol import StatusLevel


class _Status:
    """A status waiting to be sent, with how many identical ones were merged into it."""

    __slots__ = ('level', 'message', 'status_id', 'count', 'size')

    def __init__(self, level: StatusLevel, message: str, status_id: Optional[str]) -> None:
        self.level = level
        self.message = message
        self.status_id = status_id
        self.count = 1
        self.size = len(message) + 64

    def encode(self) -> str:
        message = self.message
        if self.count > 1:
            message = f'{message} (repeated {self.count} times)'
        return protocol.status(self.level, message, self.status_id)


class _Reply:
    """A response to a client's request, counted apart from the control budget."""

    __slots__ = ('frame',)

    def __init__(self, frame: Union[str, bytes]) -> None:
        self.frame = frame


class ControlQueue:
    """The never-dropped frames of one client, bounded in bytes."""

    def __init__(self, limit: int, on_overflow: Callable[[int], None]) -> None:
        """
        Create an empty queue.

        :param limit: bytes of control frames it may hold before it overflows.
        :param on_overflow: called once on overflow, after the queue freed its frames, with
            how many it freed.
        """
        self.limit = limit
        self.control_bytes = 0
        self.reply_bytes = 0
        self.overflowed = False
        self.time: Optional[bytes] = None
        self._frames: collections.deque = collections.deque()
        self._statuses: dict[tuple, _Status] = {}
        self._on_overflow = on_overflow
        self._room_waiters: list = []

    def admit(self, size: int) -> bool:
        """
        Count a control frame against the budget.

        One frame is always taken into an empty queue (a large response); beyond that the
        budget holds, and breaking it ends the client.

        :param size: the frame's bytes.
        :return: False once the budget is broken.
        """
        if self.overflowed:
            return False
        if self.control_bytes and self.control_bytes + size > self.limit:
            # The client is to be closed: free what it will never read.
            self.overflowed = True
            freed = len(self._frames)
            self._frames.clear()
            self._statuses.clear()
            self.control_bytes = self.reply_bytes = 0
            self._on_overflow(freed)
            return False
        self.control_bytes += size
        return True

    def append(self, frame: Union[str, bytes]) -> None:
        """
        Queue an admitted control frame.

        :param frame: JSON text or a binary frame.
        """
        self._frames.append(frame)

    def put_reply(self, frame: Union[str, bytes]) -> bool:
        """
        Queue a response to a client's request, outside the budget.

        :param frame: JSON text or a binary frame.
        :return: False if the client is to be closed.
        """
        if self.overflowed:
            return False
        self.reply_bytes += len(frame)
        self._frames.append(_Reply(frame))
        return True

    def put_status(self, level: StatusLevel, message: str, status_id: Optional[str]
                   ) -> Optional[bool]:
        """
        Queue a status, or count it into an identical one still waiting.

        :param level: info, warning or error.
        :param message: the text.
        :param status_id: its id, if any.
        :return: True if queued, None if merged, False if the budget is broken.
        """
        key = (level, message, status_id)
        waiting = self._statuses.get(key)
        if waiting is not None:
            waiting.count += 1
            return None
        status = _Status(level, message, status_id)
        if not self.admit(status.size):
            return False
        self._statuses[key] = status
        self._frames.append(status)
        return True

    def put_time(self, frame: bytes) -> bool:
        """
        Hold the latest Time frame.

        :param frame: the Time frame.
        :return: True if the slot was empty.
        """
        empty = self.time is None
        self.time = frame
        return empty

    def _has_room(self) -> bool:
        # Control frames and replies take less than half the budget: a large reply (an
        # asset) may be queued now.
        return self.control_bytes + self.reply_bytes < self.limit // 2 and not self.overflowed

    def when_room(self, callback: Callable[[], None]) -> None:
        """
        Run ``callback`` once control frames take less than half their budget.

        :param callback: called at once if there is room, else after a take makes it.
        """
        if self._has_room():
            callback()
        else:
            self._room_waiters.append(callback)

    def take(self, batch: list, taken: int, max_bytes: int) -> int:
        """
        Move control frames, then the time, into ``batch`` up to about ``max_bytes``.

        :param batch: the frames being taken.
        :param taken: bytes already in it.
        :param max_bytes: stop once this many bytes are taken.
        :return: the bytes in the batch now.
        """
        frames = self._frames
        while frames and taken < max_bytes:
            item = frames.popleft()
            if item.__class__ is _Status:
                del self._statuses[(item.level, item.message, item.status_id)]
                self.control_bytes -= item.size
                item = item.encode()
            elif item.__class__ is _Reply:
                item = item.frame
                self.reply_bytes -= len(item)
            else:
                self.control_bytes -= len(item)
            batch.append(item)
            taken += len(item)
        if self._room_waiters and self._has_room():
            waiters, self._room_waiters = self._room_waiters, []
            for waiter in waiters:
                waiter()
        if self.time is not None and taken < max_bytes:
            batch.append(self.time)
            taken += len(self.time)
            self.time = None
        return taken
