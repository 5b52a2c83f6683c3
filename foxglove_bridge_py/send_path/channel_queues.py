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
The data half of a client's send scheduler: one queue per channel, served in turn by bytes.

Every subscribed channel has its own queue inside the client's byte budget, and the channels
are served in turn by bytes (deficit round robin), so a 6 MB frame delays a small message of
another channel by at most the one frame already in flight. A channel keeps every message while
it stays within its share; beyond it, it drops its own oldest messages (newest wins). The share
is the budget split among the channels that have something queued and, once the link is known
to be slow, what the link carries in ``link_meter.LATENCY_TARGET``. Beside the bytes, the queues
hold at most ``max_messages`` entries (``message_backlog_size``, as the C++ bridge bounds its
queue); over it, the channel with the most waiting loses its oldest. A batch of small messages
shared by clients alike is one entry. A channel kept newest-only (a twin) has at most one
message waiting: a newer one replaces it, uncounted as a loss, so what a slow link carries of
it is always the latest frame. Data older than ``max_age``
is dropped instead of sent (latched replays are exempt), and drops are counted per channel and
reported to the client in one status.

:class:`send_scheduler.SendScheduler` adds the control frames on top; this half stays a class of
its own so that each rule has a small room, and a base class so that the per-message path costs
no extra call.
"""

from __future__ import annotations

import collections
from typing import Callable, Optional

from foxglove_bridge_py.send_path.drop_report import DropReport
from foxglove_bridge_py.send_path.frame_block import FrameBlock
from foxglove_bridge_py.send_path.link_meter import LinkMeter
from foxglove_bridge_py.send_path.queue_room import (_HEADER, _LATCHED, _PAYLOAD, _SEQUENCE, _SIZE,
                                                     _STAMP, ChannelQueue, QueueRoom)

QUANTUM = 64 * 1024
"""Bytes a channel may send per turn of the round robin."""
FIRST_MESSAGE_GRACE = 0.25
"""Seconds that large messages of a subscribe request wait, on a link not known to be fast,
for the request's other channels to send their first message: a state topic subscribed with
a camera is not stuck behind the camera's first frame (once started, a frame cannot be
interrupted, and on 20 Mbit/s a VGA frame takes 0.37 s)."""


class ChannelQueues(QueueRoom):
    """
    The waiting MessageData of one client, per channel, bounded in bytes.

    A subclass provides ``_report_drops`` and ``_maybe_withdraw``, which tell the client of
    drops in a status and withdraw it.
    """

    def __init__(self, limit: int, clock: Callable[[], float], max_age: float,
                 describe_channel: Callable[[int], str], max_messages: int = 0) -> None:
        """
        Create empty queues.

        :param limit: bytes of data (MessageData) the client's queues may hold.
        :param clock: monotonic seconds.
        :param max_age: seconds after which a waiting message is dropped (0: never).
        :param describe_channel: names a channel in drop reports (its topic).
        :param max_messages: entries the queues may hold (0: no limit but the bytes).
        """
        self.limit = limit
        self.max_messages = max_messages or (1 << 62)
        self.max_age = max_age
        self.data_bytes = 0
        self.dropped = 0
        self.dropped_by_channel: collections.Counter = collections.Counter()
        self._clock = clock
        self._on_ready: Optional[Callable[[], None]] = None
        self._channels: dict[int, ChannelQueue] = {}
        self._active: collections.deque = collections.deque()
        self._count = 0
        """Frames waiting, data and control: the scheduler is ready when it leaves 0."""
        self._link = LinkMeter()
        self._drops = DropReport(describe_channel)
        self._sequence = 0
        self._ordered: collections.deque = collections.deque()
        """Control frames that go only after the data queued before them: (sequence, frame)."""
        self._awaiting_first: set = set()
        self._grace_until = float('-inf')
        self._newest_only: set[int] = set()
        self._on_room: Callable[[int], None] = _ignore
        self.replaced = 0
        """Messages of newest-only channels replaced by a newer one before they were sent."""

    # --- data ----------------------------------------------------------------------------------

    def expect_first_messages(self, channel_ids, now: float) -> None:
        """
        Note the channels of one subscribe request, whose first messages are yet to come.

        Until each has sent one, or for :data:`FIRST_MESSAGE_GRACE`, messages larger than
        :data:`QUANTUM` wait while the link is not known to be fast.

        :param channel_ids: the channels subscribed.
        :param now: the clock's seconds.
        """
        if len(channel_ids) > 1:
            self._awaiting_first.update(channel_ids)
            self._grace_until = now + FIRST_MESSAGE_GRACE

    def keep_newest_only(self, channel_id: int, on_room: Callable[[int], None]) -> None:
        """
        Let at most one message of a channel wait: a newer one replaces it.

        :param channel_id: the channel (a twin's).
        :param on_room: told the channel's id each time its waiting message is taken, so that
            the next need not be made before this client can take it.
        """
        self._newest_only.add(channel_id)
        self._on_room = on_room

    def _holding_large(self, now: float) -> bool:
        if self._awaiting_first and (now >= self._grace_until or not self._link.slow):
            self._awaiting_first.clear()
        return bool(self._awaiting_first)

    def wake_in(self) -> Optional[float]:
        """
        Tell when held messages may go, for a writer with nothing else to send.

        :return: seconds from now, or None if nothing is held.
        """
        if not self._awaiting_first or not self._count:
            return None
        return max(0.0, self._grace_until - self._clock())

    def put_data(self, channel_id: int, header: bytes, payload: bytes, stamp: float,
                 latched: bool = False) -> int:
        """Queue one MessageData frame: :meth:`put_many` with one ``(header, payload)``."""
        return self.put_many(channel_id, ((header, payload),), stamp, latched)

    def put_many(self, channel_id: int, frames, stamp: float, latched: bool = False) -> int:
        """
        Queue MessageData frames of one channel, oldest first, dropping what no longer fits.

        The room is made once for all of them: what stays is what adding them one by one
        would have kept (the channel's oldest go first), for one check instead of one each.

        :param channel_id: the channel they belong to.
        :param frames: one or more ``(header, payload)``: the MessageData header with this client's
            subscription id, and the message bytes, shared with other clients.
        :param stamp: when they arrived (the clock's seconds).
        :param latched: a latched replay: never dropped for age or share.
        :return: how many messages were dropped to make room (new ones included).
        """
        # Called per batch, client and channel: one loop, then a few attribute updates.
        queue = self._channels.get(channel_id)
        if queue is None:
            queue = self._channels[channel_id] = ChannelQueue()
        items = queue.items
        if not items:
            self._active.append(channel_id)
        append = items.append
        sequence = self._sequence
        added = 0
        for header, payload in frames:
            size = len(header) + len(payload)
            sequence += 1
            append((header, payload, size, stamp, latched, sequence))
            added += size
        waiting = self._count
        self._count += sequence - self._sequence
        self._sequence = sequence
        queue.bytes += added
        self.data_bytes += added
        if header.__class__ is FrameBlock:  # a block: its messages count as sent from now
            self.sent_messages += header.messages - 1
        if waiting == 0 and self._on_ready is not None:
            self._on_ready()
        elif self._awaiting_first and channel_id in self._awaiting_first:
            self._awaiting_first.discard(channel_id)
            if self._on_ready is not None:
                self._on_ready()  # a first message: what was held may go now
        # Frames waiting, control included, bound the data entries: counted only when over.
        if (len(items) > 1 and (channel_id in self._newest_only
                                or queue.bytes > self._link.queue_cap
                                or queue.bytes * len(self._active) > self.limit)
                or self.data_bytes > self.limit or self._count > self.max_messages):
            return self._make_room(channel_id, queue, stamp)
        if self._drops.shown:
            self._maybe_withdraw(stamp)
        return 0

    def _take_data(self, batch: list, taken: int, max_bytes: int) -> int:
        now = self._clock()
        oldest = now - self.max_age if self.max_age > 0 else None
        dropped_before = self.dropped
        active = self._active
        channels = self._channels
        holding = self._holding_large(now)
        if len(active) == 1 and not self._ordered and not holding:
            taken = self._take_one_channel(batch, taken, max_bytes, oldest)
        while active and taken < max_bytes:
            channel_id = active[0]
            queue = channels[channel_id]
            items = queue.items
            if oldest is not None and not self._drop_aged(channel_id, queue, oldest):
                continue
            entry = items[0]
            size = entry[_SIZE]
            wait = self._must_wait(entry, holding)
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
            self.data_bytes -= size
            self._count -= 1
            batch.append((entry[_HEADER], entry[_PAYLOAD]))
            taken += size
            if items:
                queue.deficit = max(0, queue.deficit - size)
            else:
                self._emptied(channel_id, queue)
        if self.dropped != dropped_before or self._drops.pending():
            self._report_drops(now, self.dropped != dropped_before)
        elif self._drops.shown:
            self._maybe_withdraw(now)
        return taken

    def _must_wait(self, entry: tuple, holding: bool) -> Optional[bool]:
        """
        Tell whether the message at the head of the channel in turn must wait.

        :return: None if it may go; False if another channel goes first; True if nothing
            more goes now.
        """
        channels, active = self._channels, self._active
        if self._ordered and entry[_SEQUENCE] > self._ordered[0][0]:
            # An ordered control frame is due before this message: serve only what was
            # queued before it, then let it go.
            barrier = self._ordered[0][0]
            return not any(channels[c].items[0][_SEQUENCE] <= barrier for c in active)
        if holding and entry[_SIZE] > QUANTUM:
            return not any(channels[c].items[0][_SIZE] <= QUANTUM for c in active)
        return None

    def _take_one_channel(self, batch: list, taken: int, max_bytes: int,
                          oldest: Optional[float]) -> int:
        # One channel waiting (the common case under a stream of small messages): no turns to
        # take, so messages are taken in a tight loop.
        channel_id = self._active[0]
        queue = self._channels[channel_id]
        items = queue.items
        popleft = items.popleft
        append = batch.append
        removed = 0
        before = len(batch)
        while items and taken < max_bytes:
            entry = popleft()
            if oldest is not None and entry[_STAMP] < oldest and not entry[_LATCHED]:
                items.appendleft(entry)
                queue.bytes -= removed
                self.data_bytes -= removed
                removed = 0
                self._drop(channel_id, queue, 0)
                continue
            size = entry[_SIZE]
            removed += size
            append((entry[_HEADER], entry[_PAYLOAD]))
            taken += size
        queue.bytes -= removed
        self.data_bytes -= removed
        self._count -= len(batch) - before
        if not items and self._active and self._active[0] == channel_id:
            self._emptied(channel_id, queue)
        return taken

    def _emptied(self, channel_id: int, queue: ChannelQueue) -> None:
        # The channel at the head of the turn ran out: it leaves the turn, and a newest-only
        # one (a twin) has room for its next message.
        queue.deficit = 0
        self._active.popleft()
        if channel_id in self._newest_only:
            self._on_room(channel_id)


def _ignore(channel_id: int) -> None:
    """Hear of room on a newest-only channel, and do nothing with it."""
