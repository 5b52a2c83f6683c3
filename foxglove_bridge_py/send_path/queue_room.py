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
What a client's data queues drop to stay within their bounds, and when.

The rules of :mod:`channel_queues` that make room: within its share a channel keeps every
message, beyond it it loses its own oldest (newest wins); over the client's whole budget in
bytes, or over ``message_backlog_size`` entries, the fullest channel loses its oldest; a
newest-only channel (a twin) keeps one message waiting; data older than ``max_age`` goes unsent.
Never the message just added when it is alone on its channel, never a latched replay.
:class:`QueueRoom` is the base of :class:`channel_queues.ChannelQueues`, whose state it reads,
so that the per-message path costs no extra call.
"""

from __future__ import annotations

import collections
from typing import Callable, Optional

from foxglove_bridge_py.send_path.frame_block import messages_of

# A queued MessageData: (header, payload, size, arrival time, latched replay, sequence).
_HEADER, _PAYLOAD, _SIZE, _STAMP, _LATCHED, _SEQUENCE = range(6)


class ChannelQueue:
    """One channel's waiting messages and its place in the round robin."""

    __slots__ = ('items', 'bytes', 'deficit')

    def __init__(self) -> None:
        self.items: collections.deque = collections.deque()
        self.bytes = 0
        self.deficit = 0


class QueueRoom:
    """The rules that drop a client's queued data; the state is :class:`ChannelQueues`'."""

    _channels: dict
    _active: collections.deque
    _count: int
    _newest_only: set

    def _replace_older(self, channel_id: int, queue: ChannelQueue) -> None:
        # Everything but the newest of a newest-only channel goes, unreported: it is not lost
        # data but a stale frame (latched replays stay, though a twin has none).
        items = queue.items
        kept = [e for e in list(items)[:-1] if e[_LATCHED]] + [items[-1]]
        for entry in items:
            if entry is not kept[-1] and not entry[_LATCHED]:
                self.replaced += self._unqueue(queue, entry)
        items.clear()
        items.extend(kept)

    def _unqueue(self, queue: ChannelQueue, entry: tuple) -> int:
        # What leaves the queue unsent, in the counts; the messages it held.
        queue.bytes -= entry[_SIZE]
        self.data_bytes -= entry[_SIZE]
        self._count -= 1
        messages = messages_of(entry[_HEADER])
        self.sent_messages -= messages - 1
        return messages

    def _make_room(self, channel_id: int, queue: ChannelQueue, now: float) -> int:
        # Within its share a channel keeps everything; beyond it, it loses its own oldest, and
        # over the whole budget the fullest channel loses its oldest.
        dropped = 0
        if len(queue.items) > 1 and channel_id in self._newest_only:
            self._replace_older(channel_id, queue)
        if len(queue.items) > 1:
            share = self._share(now)
            if queue.bytes > share:
                dropped += self._trim(channel_id, queue, share)
        if self.data_bytes > self.limit:  # the channel holding the most bytes loses its oldest
            dropped += self._trim_fullest(channel_id, lambda: self.data_bytes > self.limit,
                                          lambda q: q.bytes)
        if self._count > self.max_messages:  # the one with the most entries loses its oldest
            dropped += self._trim_fullest(channel_id, self._over_max_messages,
                                          lambda q: len(q.items))
        if dropped:
            self._report_drops(now, True)
        elif self._drops.shown:
            self._maybe_withdraw(now)
        return dropped

    def _share(self, now: float) -> float:
        share = self.limit / max(1, len(self._active))
        if self._link.fresh(now):
            share = min(share, self._link.queue_cap)
        return share

    def _drop(self, channel_id: int, queue: ChannelQueue, index: int) -> int:
        entry = queue.items[index]
        del queue.items[index]
        messages = self._unqueue(queue, entry)
        self.dropped += messages
        self.dropped_by_channel[channel_id] += messages
        self._drops.count(channel_id, messages)
        if not queue.items:
            queue.deficit = 0
            self._active.remove(channel_id)
        return messages

    def _trim(self, channel_id: int, queue: ChannelQueue, share: float) -> int:
        # Oldest first, never the newest message, never a latched replay.
        dropped = 0
        index = 0
        while queue.bytes > share and len(queue.items) - index > 1:
            if queue.items[index][_LATCHED]:
                index += 1
                continue
            dropped += self._drop(channel_id, queue, index)
        return dropped

    def _over_max_messages(self) -> bool:
        return sum(len(self._channels[c].items) for c in self._active) > self.max_messages

    def _trim_fullest(self, newest_channel: int, over: Callable[[], bool],
                      fullness: Callable[[ChannelQueue], int]) -> int:
        dropped = 0
        while over():
            victim = _fullest(self._channels, self._active, newest_channel, fullness)
            if victim is None:
                break
            queue = self._channels[victim]
            index = next(i for i, e in enumerate(queue.items) if not e[_LATCHED])
            dropped += self._drop(victim, queue, index)
        return dropped

    def _drop_aged(self, channel_id: int, queue: ChannelQueue, oldest: float) -> bool:
        """Drop the messages at the head of a queue older than ``oldest``; True if any is left."""
        items = queue.items
        while items and items[0][_STAMP] < oldest and not items[0][_LATCHED]:
            self._drop(channel_id, queue, 0)
        return bool(items)


def _fullest(channels: dict, active: collections.deque, newest_channel: int,
             fullness: Callable[[ChannelQueue], int]) -> Optional[int]:
    # The message just added survives when it is alone on its channel, so that one message
    # larger than a share still goes out; latched replays are never dropped.
    candidates = [c for c in active if (c != newest_channel or len(channels[c].items) > 1)
                  and not all(e[_LATCHED] for e in channels[c].items)]
    return max(candidates, key=lambda c: fullness(channels[c])) if candidates else None
