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
The turn that serves a client's data: channels in turn by bytes, large frames held briefly.

Every subscribed channel has its own queue inside the client's byte budget (``queue_room``), and
the channels are served in turn by bytes (deficit round robin), so a 6 MB frame delays a small
message of another channel by at most the one frame already in flight. The share each channel
may keep is the budget split among the channels that have something queued and, once the link
is known to be slow, what the link carries in ``link_meter.LATENCY_TARGET``. Data older than
``max_age`` is dropped instead of sent (latched replays are exempt). A control frame ordered
after data (``after_data``) is a barrier: what was queued after it waits for it.
"""

from __future__ import annotations

from typing import Callable, Optional

from foxglove_bridge_py.send_path.frame_block import Frame
from foxglove_bridge_py.send_path.queue_room import (ChannelQueue, Entry, HEADER, LATCHED, PAYLOAD,
                                                     QueueRoom, SEQUENCE, SIZE, STAMP)

QUANTUM = 64 * 1024
"""Bytes a channel may send per turn of the round robin."""
FIRST_MESSAGE_GRACE = 0.25
"""Seconds that large messages of a subscribe request wait, on a link not known to be fast,
for the request's other channels to send their first message: a state topic subscribed with
a camera is not stuck behind the camera's first frame (once started, a frame cannot be
interrupted, and on 20 Mbit/s a VGA frame takes 0.37 s)."""


class ChannelQueues:
    """Takes a client's waiting data, channel by channel, in turn by bytes."""

    def __init__(self, room: QueueRoom, clock: Callable[[], float], max_age: float) -> None:
        """
        Serve the queues of a room.

        :param room: the client's waiting data.
        :param clock: monotonic seconds.
        :param max_age: seconds after which a waiting message is dropped (0: never).
        """
        self.room = room
        self.max_age = max_age
        self._clock = clock
        self._grace_until = float('-inf')
        self._on_room: Callable[[int], None] = _ignore

    def expect_first_messages(self, channel_ids: list[int], now: float) -> None:
        """
        Note the channels of one subscribe request, whose first messages are yet to come.

        Until each has sent one, or for :data:`FIRST_MESSAGE_GRACE`, messages larger than
        :data:`QUANTUM` wait while the link is not known to be fast.

        :param channel_ids: the channels subscribed.
        :param now: the clock's seconds.
        """
        if len(channel_ids) > 1:
            self.room.awaiting_first.update(channel_ids)
            self._grace_until = now + FIRST_MESSAGE_GRACE

    def keep_newest_only(self, channel_id: int, on_room: Callable[[int], None]) -> None:
        """
        Let at most one message of a channel wait: a newer one replaces it.

        :param channel_id: the channel (a twin's).
        :param on_room: told the channel's id each time its waiting message is taken, so that
            the next need not be made before this client can take it.
        """
        self.room.newest_only.add(channel_id)
        self._on_room = on_room

    def _holding_large(self, now: float) -> bool:
        awaiting = self.room.awaiting_first
        if awaiting and (now >= self._grace_until or not self.room.link.slow):
            awaiting.clear()
        return bool(awaiting)

    def wake_in(self) -> Optional[float]:
        """
        Tell when held messages may go, for a writer with nothing else to send.

        :return: seconds from now, or None if nothing is held.
        """
        if not self.room.awaiting_first or not self.room.entries:
            return None
        return max(0.0, self._grace_until - self._clock())

    def take(self, batch: list[Frame], taken: int, max_bytes: int, barrier: Optional[int]
             ) -> int:
        """
        Take data frames into a batch, channel by channel in turn, up to about ``max_bytes``.

        :param batch: the frames taken so far; data frames are appended.
        :param taken: their bytes.
        :param max_bytes: stop once this many bytes are taken.
        :param barrier: the sequence number after which data waits for an ordered control
            frame, or None.
        :return: the bytes taken, those before included.
        """
        room = self.room
        now = self._clock()
        oldest = now - self.max_age if self.max_age > 0 else None
        dropped_before = room.dropped
        active = room.active
        channels = room.channels
        holding = self._holding_large(now)
        if len(active) == 1 and barrier is None and not holding:
            taken = self._take_one_channel(batch, taken, max_bytes, oldest)
        while active and taken < max_bytes:
            channel_id = active[0]
            queue = channels[channel_id]
            items = queue.items
            if oldest is not None and not room.drop_aged(channel_id, queue, oldest):
                continue
            entry = items[0]
            size = entry[SIZE]
            wait = self._must_wait(entry, holding, barrier)
            if wait is not None:
                if wait:
                    break
                active.rotate(-1)
                continue
            if queue.deficit < size and len(active) > 1:
                queue.deficit += QUANTUM
                active.rotate(-1)
                continue
            items.popleft()
            queue.bytes -= size
            room.data_bytes -= size
            room.entries -= 1
            batch.append((entry[HEADER], entry[PAYLOAD]))
            taken += size
            if items:
                queue.deficit = max(0, queue.deficit - size)
            else:
                self._emptied(channel_id, queue)
        if room.dropped != dropped_before or room.drops.pending():
            room.report_drops(now, room.dropped != dropped_before)
        elif room.drops.shown:
            room.maybe_withdraw(now)
        return taken

    def _must_wait(self, entry: Entry, holding: bool, barrier: Optional[int]
                   ) -> Optional[bool]:
        """
        Tell whether the message at the head of the channel in turn must wait.

        :return: None if it may go; False if another channel goes first; True if nothing
            more goes now.
        """
        channels, active = self.room.channels, self.room.active
        if barrier is not None and entry[SEQUENCE] > barrier:
            # An ordered control frame is due before this message: serve only what was
            # queued before it, then let it go.
            return not any(channels[c].items[0][SEQUENCE] <= barrier for c in active)
        if holding and entry[SIZE] > QUANTUM:
            return not any(channels[c].items[0][SIZE] <= QUANTUM for c in active)
        return None

    def _take_one_channel(self, batch: list[Frame], taken: int, max_bytes: int,
                          oldest: Optional[float]) -> int:
        # One channel waiting (the common case under a stream of small messages): no turns to
        # take, so messages are taken in a tight loop.
        room = self.room
        channel_id = room.active[0]
        queue = room.channels[channel_id]
        items = queue.items
        popleft = items.popleft
        append = batch.append
        removed = 0
        before = len(batch)
        while items and taken < max_bytes:
            entry = popleft()
            if oldest is not None and entry[STAMP] < oldest and not entry[LATCHED]:
                items.appendleft(entry)
                queue.bytes -= removed
                room.data_bytes -= removed
                removed = 0
                room.drop(channel_id, queue, 0)
                continue
            size = entry[SIZE]
            removed += size
            append((entry[HEADER], entry[PAYLOAD]))
            taken += size
        queue.bytes -= removed
        room.data_bytes -= removed
        room.entries -= len(batch) - before
        if not items and room.active and room.active[0] == channel_id:
            self._emptied(channel_id, queue)
        return taken

    def _emptied(self, channel_id: int, queue: ChannelQueue) -> None:
        # The channel at the head of the turn ran out: it leaves the turn, and a newest-only
        # one (a twin) has room for its next message.
        queue.deficit = 0
        self.room.active.popleft()
        if channel_id in self.room.newest_only:
            self._on_room(channel_id)


def _ignore(channel_id: int) -> None:
    """Hear of room on a newest-only channel, and do nothing with it."""
