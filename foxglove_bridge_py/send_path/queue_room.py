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
A client's waiting data, one queue per channel, and what is dropped to stay within bounds.

Within its share a channel keeps every message, beyond it it loses its own oldest (newest
wins); over the client's whole budget in bytes, or over ``message_backlog_size`` entries, the
fullest channel loses its oldest; a newest-only channel (a twin) keeps one message waiting; data
older than ``max_age`` goes unsent. Never the message just added when it is alone on its
channel, never a latched replay. :class:`QueueRoom` owns the queues and their counts; the turn
that serves them (``channel_queues``) takes from them, and the scheduler puts into them.
"""

from __future__ import annotations

import collections
from typing import Callable, Final, Iterable, Optional

from foxglove_bridge_py.send_path.drop_report import DropReport
from foxglove_bridge_py.send_path.frame_block import FrameBlock, Header, messages_of
from foxglove_bridge_py.send_path.link_meter import LinkMeter

Entry = tuple[Header, bytes, int, float, bool, int]
"""A queued MessageData: header, payload, size, arrival time, latched replay, sequence."""
# The fields of an Entry, by index: a tuple is the cheapest record per message.
HEADER: Final = 0
PAYLOAD: Final = 1
SIZE: Final = 2
STAMP: Final = 3
LATCHED: Final = 4
SEQUENCE: Final = 5


class ChannelQueue:
    """One channel's waiting messages and its place in the round robin."""

    __slots__ = ('items', 'bytes', 'deficit')

    def __init__(self) -> None:
        """Start empty."""
        self.items: collections.deque[Entry] = collections.deque()
        self.bytes = 0
        self.deficit = 0


class QueueRoom:
    """The waiting data of one client, per channel, bounded in bytes and in entries."""

    def __init__(self, limit: int, max_messages: int, describe_channel: Callable[[int], str],
                 on_arrival: Callable[[bool], None], show_drops: Callable[[str], None],
                 withdraw_drops: Callable[[], None]) -> None:
        """
        Create empty queues.

        :param limit: bytes of data (MessageData) the queues may hold.
        :param max_messages: entries they may hold (0: no limit but the bytes).
        :param describe_channel: names a channel in drop reports (its topic).
        :param on_arrival: told, when data arrives that may be sent now, whether the queues
            were empty before it (the scheduler wakes its writer).
        :param show_drops: queues the drop report's text as a status for the client.
        :param withdraw_drops: withdraws that status.
        """
        self.limit = limit
        self.max_messages = max_messages or (1 << 62)
        self.channels: dict[int, ChannelQueue] = {}
        self.active: collections.deque[int] = collections.deque()
        """Channels with something waiting, in the order of their turns."""
        self.data_bytes = 0
        self.entries = 0
        self.sequence = 0
        """The sequence number of the last entry queued: control frames ordered after data
        wait for the entries up to theirs."""
        self.dropped = 0
        self.dropped_by_channel: collections.Counter[int] = collections.Counter()
        self.replaced = 0
        """Messages of newest-only channels replaced by a newer one before they were sent."""
        self.block_messages = 0
        """Messages of the blocks queued, beyond one per entry: they count as sent once queued."""
        self.newest_only: set[int] = set()
        self.awaiting_first: set[int] = set()
        """Channels of a subscribe request whose first message has not arrived (see
        ``channel_queues.FIRST_MESSAGE_GRACE``)."""
        self.link = LinkMeter()
        self.drops = DropReport(describe_channel)
        self._on_arrival = on_arrival
        self._show_drops = show_drops
        self._withdraw_drops = withdraw_drops

    def put_many(self, channel_id: int, frames: Iterable[tuple[Header, bytes]], stamp: float,
                 latched: bool = False) -> int:
        """
        Queue MessageData frames of one channel, oldest first, dropping what no longer fits.

        The room is made once for all of them: what stays is what adding them one by one
        would have kept (the channel's oldest go first), for one check instead of one each.

        :param channel_id: the channel they belong to.
        :param frames: ``(header, payload)`` pairs: the MessageData header with this client's
            subscription id (or a block of several), and the message bytes, shared with
            other clients.
        :param stamp: when they arrived (the clock's seconds).
        :param latched: a latched replay: never dropped for age or share.
        :return: how many messages were dropped to make room (new ones included).
        """
        # Called per batch, client and channel: one loop, then a few attribute updates.
        queue = self.channels.get(channel_id)
        if queue is None:
            queue = self.channels[channel_id] = ChannelQueue()
        items = queue.items
        if not items:
            self.active.append(channel_id)
        append = items.append
        sequence = self.sequence
        added = 0
        header: Header = b''
        for header, payload in frames:
            size = len(header) + len(payload)
            sequence += 1
            append((header, payload, size, stamp, latched, sequence))
            added += size
        waiting = self.entries
        self.entries += sequence - self.sequence
        self.sequence = sequence
        queue.bytes += added
        self.data_bytes += added
        if header.__class__ is FrameBlock:  # a block: its messages count as sent from now
            self.block_messages += messages_of(header) - 1
        if self.awaiting_first and channel_id in self.awaiting_first:
            self.awaiting_first.discard(channel_id)
            self._on_arrival(waiting == 0)  # a first message: what was held may go now
        elif waiting == 0:
            self._on_arrival(True)
        if (len(items) > 1 and (channel_id in self.newest_only
                                or queue.bytes > self.link.queue_cap
                                or queue.bytes * len(self.active) > self.limit)
                or self.data_bytes > self.limit or self.entries > self.max_messages):
            return self._make_room(channel_id, queue, stamp)
        if self.drops.shown:
            self.maybe_withdraw(stamp)
        return 0

    def forget(self, channel_id: int) -> None:
        """
        Discard a channel's waiting messages, uncounted: the client unsubscribed or it went.

        :param channel_id: the channel.
        """
        self.newest_only.discard(channel_id)
        queue = self.channels.pop(channel_id, None)
        if queue is None:
            return
        if queue.items:
            self.active.remove(channel_id)
        self.data_bytes -= queue.bytes
        self.entries -= len(queue.items)
        self.block_messages -= sum(messages_of(entry[HEADER]) - 1 for entry in queue.items)

    def oldest_sequence(self) -> Optional[int]:
        """
        Give the sequence number of the oldest entry waiting.

        :return: it, or None if nothing waits.
        """
        channels = self.channels
        return min((channels[c].items[0][SEQUENCE] for c in self.active), default=None)

    # --- drop reports --------------------------------------------------------------------------

    def report_drops(self, now: float, new_drops: bool) -> None:
        """
        Tell the client what it lost, if a report is due.

        :param now: the clock's seconds.
        :param new_drops: messages were dropped just now.
        """
        text = self.drops.due(now, new_drops)
        if text is not None:
            self._show_drops(text)

    def maybe_withdraw(self, now: float) -> None:
        """
        Withdraw the drop report once the client has kept up long enough.

        :param now: the clock's seconds.
        """
        if self.drops.withdraw_due(now):
            self._withdraw_drops()

    # --- the rules -----------------------------------------------------------------------------

    def _replace_older(self, queue: ChannelQueue) -> None:
        # Everything but the newest of a newest-only channel goes, unreported: it is not lost
        # data but a stale frame (latched replays stay, though a twin has none).
        items = queue.items
        kept = [e for e in list(items)[:-1] if e[LATCHED]] + [items[-1]]
        for entry in items:
            if entry is not kept[-1] and not entry[LATCHED]:
                self.replaced += self._unqueue(queue, entry)
        items.clear()
        items.extend(kept)

    def _unqueue(self, queue: ChannelQueue, entry: Entry) -> int:
        # What leaves the queue unsent, in the counts; the messages it held.
        queue.bytes -= entry[SIZE]
        self.data_bytes -= entry[SIZE]
        self.entries -= 1
        messages = messages_of(entry[HEADER])
        self.block_messages -= messages - 1
        return messages

    def _make_room(self, channel_id: int, queue: ChannelQueue, now: float) -> int:
        # Within its share a channel keeps everything; beyond it, it loses its own oldest, and
        # over the whole budget the fullest channel loses its oldest.
        dropped = 0
        if len(queue.items) > 1 and channel_id in self.newest_only:
            self._replace_older(queue)
        if len(queue.items) > 1:
            share = self._share(now)
            if queue.bytes > share:
                dropped += self._trim(channel_id, queue, share)
        if self.data_bytes > self.limit:  # the channel holding the most bytes loses its oldest
            dropped += self._trim_fullest(channel_id, lambda: self.data_bytes > self.limit,
                                          lambda q: q.bytes)
        if self.entries > self.max_messages:  # the one with the most entries loses its oldest
            dropped += self._trim_fullest(channel_id, lambda: self.entries > self.max_messages,
                                          lambda q: len(q.items))
        if dropped:
            self.report_drops(now, True)
        elif self.drops.shown:
            self.maybe_withdraw(now)
        return dropped

    def _share(self, now: float) -> float:
        share = self.limit / max(1, len(self.active))
        if self.link.fresh(now):
            share = min(share, self.link.queue_cap)
        return share

    def drop(self, channel_id: int, queue: ChannelQueue, index: int) -> int:
        """
        Drop one entry, counted as lost.

        :param channel_id: its channel.
        :param queue: the channel's queue.
        :param index: the entry's place in it.
        :return: the messages it held.
        """
        entry = queue.items[index]
        del queue.items[index]
        messages = self._unqueue(queue, entry)
        self.dropped += messages
        self.dropped_by_channel[channel_id] += messages
        self.drops.count(channel_id, messages)
        if not queue.items:
            queue.deficit = 0
            self.active.remove(channel_id)
        return messages

    def _trim(self, channel_id: int, queue: ChannelQueue, share: float) -> int:
        # Oldest first, never the newest message, never a latched replay.
        dropped = 0
        index = 0
        while queue.bytes > share and len(queue.items) - index > 1:
            if queue.items[index][LATCHED]:
                index += 1
                continue
            dropped += self.drop(channel_id, queue, index)
        return dropped

    def _trim_fullest(self, newest_channel: int, over: Callable[[], bool],
                      fullness: Callable[[ChannelQueue], int]) -> int:
        dropped = 0
        while over():
            victim = _fullest(self.channels, self.active, newest_channel, fullness)
            if victim is None:
                break
            queue = self.channels[victim]
            index = next(i for i, e in enumerate(queue.items) if not e[LATCHED])
            dropped += self.drop(victim, queue, index)
        return dropped

    def drop_aged(self, channel_id: int, queue: ChannelQueue, oldest: float) -> bool:
        """
        Drop the messages at the head of a queue older than ``oldest``.

        :param channel_id: the channel.
        :param queue: its queue.
        :param oldest: the clock's seconds before which a message is too old to send.
        :return: True if any message is left.
        """
        items = queue.items
        while items and items[0][STAMP] < oldest and not items[0][LATCHED]:
            self.drop(channel_id, queue, 0)
        return bool(items)


def _fullest(channels: dict[int, ChannelQueue], active: Iterable[int], newest_channel: int,
             fullness: Callable[[ChannelQueue], int]) -> Optional[int]:
    # The message just added survives when it is alone on its channel, so that one message
    # larger than a share still goes out; latched replays are never dropped.
    candidates = [c for c in active if (c != newest_channel or len(channels[c].items) > 1)
                  and not all(e[LATCHED] for e in channels[c].items)]
    return max(candidates, key=lambda c: fullness(channels[c])) if candidates else None
