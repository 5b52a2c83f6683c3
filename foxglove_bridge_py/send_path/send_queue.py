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
What one client is sent next, and what it loses when its link cannot keep up.

A single FIFO lets whatever is big and fast (a camera) push out everything else (a 20 Hz state
topic) and fill the queue with seconds-old frames. :class:`SendQueue` is one client's queue,
and it owns every rule of it:

- **Two halves.** The frames that are never dropped (control frames, replies, statuses, the
  time) go first and are bounded apart, in the :class:`~.control_queue.ControlQueue` it
  composes; the data (MessageData) waits in one queue per channel (:class:`ChannelQueue`).
- **Bounds.** Within its share a channel keeps every message, beyond it it loses its own
  oldest (newest wins); over the client's whole budget in bytes, or over
  ``message_backlog_size`` entries, the fullest channel loses its oldest. Never the message
  just added when it is alone on its channel, never a latched replay. The share is the budget
  split among the channels that have something queued and, once the link is known to be slow,
  what the link carries in ``link_meter.LATENCY_TARGET``.
- **Fairness.** The channels are served in turn by bytes (deficit round robin, :data:`QUANTUM`
  a turn), so a 6 MB frame delays a small message of another channel by at most the one frame
  already in flight.
- **Freshness.** Data older than ``max_age`` is dropped instead of sent (latched replays are
  exempt).
- **Newest only.** A twin's channel keeps one message waiting: a newer one replaces it.
- **First messages.** Large messages of a subscribe request wait briefly
  (:data:`FIRST_MESSAGE_GRACE`) for the request's other channels to send their first.
- **Order.** A control frame may wait for the data queued before it (``after_data``: a
  PlaybackState says the messages before it were played); what was queued after it waits for
  it in turn.
- **Drop reports.** What a client lost is told to it in one status at most every few seconds
  (:class:`~.drop_report.DropReport`), withdrawn once it keeps up.

Pure: no sockets, threads or clocks of its own; the caller passes the time and the link's
throughput, so every rule is tested with literal frames.
"""

from __future__ import annotations

import collections
from typing import Callable, Final, Iterable, Optional, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.protocol import StatusLevel
from foxglove_bridge_py.send_path.control_queue import ControlQueue
from foxglove_bridge_py.send_path.drop_report import DROP_STATUS_ID, DropReport
from foxglove_bridge_py.send_path.frame_block import Frame, FrameBlock, Header, messages_of
from foxglove_bridge_py.send_path.link_meter import LinkMeter

__all__ = ['DROP_STATUS_ID', 'FIRST_MESSAGE_GRACE', 'Frame', 'QUANTUM', 'SendQueue']

QUANTUM = 64 * 1024
"""Bytes a channel may send per turn of the round robin."""
FIRST_MESSAGE_GRACE = 0.25
"""Seconds that large messages of a subscribe request wait, on a link not known to be fast,
for the request's other channels to send their first message: a state topic subscribed with
a camera is not stuck behind the camera's first frame (once started, a frame cannot be
interrupted, and on 20 Mbit/s a VGA frame takes 0.37 s)."""

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


class SendQueue:
    """One client's outgoing frames: control first, then channels in turn, bounded in bytes."""

    def __init__(self, limit: int, *, control_limit: int, clock: Callable[[], float],
                 max_age: float = 0.0, describe_channel: Callable[[int], str] = str,
                 on_ready: Optional[Callable[[], None]] = None,
                 on_overflow: Optional[Callable[[], None]] = None, max_messages: int = 0
                 ) -> None:
        """
        Create a client's empty queue.

        :param limit: bytes of data (MessageData) the client's queues may hold.
        :param control_limit: bytes of control frames it may hold before it overflows.
        :param clock: monotonic seconds.
        :param max_age: seconds after which a waiting message is dropped (0: never).
        :param describe_channel: names a channel in drop reports (its topic).
        :param on_ready: called when the queue goes from empty to non-empty.
        :param on_overflow: called once when control frames exceed ``control_limit``.
        :param max_messages: data entries it may hold (``message_backlog_size``; 0: no limit).
        """
        self.limit = limit
        """Bytes of data the client's queues may hold (``send_buffer_limit``)."""
        self.control_limit = control_limit
        self.link = LinkMeter()
        """What the client's link carries (``link_meter``): the writer records each write."""
        self.data_bytes = 0
        """Bytes of data waiting."""
        self.dropped = 0
        """Messages dropped, ever."""
        self.dropped_by_channel: collections.Counter[int] = collections.Counter()
        """Messages dropped, ever, by channel."""
        self.replaced = 0
        """Messages of newest-only channels replaced by a newer one before they were sent."""
        self.taken_bytes = 0
        """Bytes of the frames the last :meth:`take` returned."""
        self.sent_bytes = 0
        self._clock = clock
        self._max_age = max_age
        self._max_messages = max_messages or (1 << 62)
        self._on_ready = on_ready
        self._on_overflow = on_overflow
        self._on_room: Callable[[int], None] = _ignore
        # The data: one queue per channel, and the channels with something waiting, in the
        # order of their turns.
        self._channels: dict[int, ChannelQueue] = {}
        self._active: collections.deque[int] = collections.deque()
        self._entries = 0
        self._sequence = 0
        """The sequence number of the last entry queued: control frames ordered after data
        wait for the entries up to theirs."""
        self._block_messages = 0
        """Messages of the blocks queued, beyond one per entry: they count as sent once queued."""
        self._sent_frames = 0
        self._newest_only: set[int] = set()
        self._awaiting_first: set[int] = set()
        """Channels of a subscribe request whose first message has not arrived."""
        self._grace_until = float('-inf')
        self._drops = DropReport(describe_channel)
        self._control = ControlQueue(control_limit, self._overflow)
        self._waiting_control = 0
        """Control frames waiting, those ordered after data included."""
        self._ordered: collections.deque[tuple[int, Union[str, bytes]]] = collections.deque()
        """Control frames that go only after the data queued before them: (sequence, frame)."""

    def __len__(self) -> int:
        return self._waiting_control + self._entries

    def set_on_ready(self, on_ready: Callable[[], None]) -> None:
        """
        Set the callback run when the queue stops being empty.

        :param on_ready: the callback.
        """
        self._on_ready = on_ready

    def set_on_overflow(self, on_overflow: Callable[[], None]) -> None:
        """
        Set the callback run when control frames exceed their budget.

        :param on_overflow: the callback.
        """
        self._on_overflow = on_overflow

    @property
    def sent_messages(self) -> int:
        """Messages :meth:`take` has handed out, ever, a block counted as its messages."""
        return self._sent_frames + self._block_messages

    @property
    def control_bytes(self) -> int:
        """Bytes of control frames waiting, counted against ``control_limit``."""
        return self._control.control_bytes

    @property
    def reply_bytes(self) -> int:
        """Bytes of replies waiting, outside the budget."""
        return self._control.reply_bytes

    @property
    def overflowed(self) -> bool:
        """Tell whether control frames broke their budget (the client is to be closed)."""
        return self._control.overflowed

    # --- data in -------------------------------------------------------------------------------

    def put_data(self, channel_id: int, header: Header, payload: bytes, stamp: float,
                 latched: bool = False) -> int:
        """
        Queue one MessageData frame: :meth:`put_many` with one ``(header, payload)``.

        :param channel_id: the channel it belongs to.
        :param header: its MessageData header, with this client's subscription id.
        :param payload: the message bytes.
        :param stamp: when it arrived (the clock's seconds).
        :param latched: a latched replay: never dropped for age or share.
        :return: how many messages were dropped to make room.
        """
        return self.put_many(channel_id, ((header, payload),), stamp, latched)

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
        queue = self._channels.get(channel_id)
        if queue is None:
            queue = self._channels[channel_id] = ChannelQueue()
        items = queue.items
        if not items:
            self._active.append(channel_id)
        append = items.append
        sequence = self._sequence
        added = 0
        header: Header = b''
        for header, payload in frames:
            size = len(header) + len(payload)
            sequence += 1
            append((header, payload, size, stamp, latched, sequence))
            added += size
        waiting = self._entries
        self._entries += sequence - self._sequence
        self._sequence = sequence
        queue.bytes += added
        self.data_bytes += added
        if header.__class__ is FrameBlock:  # a block: its messages count as sent from now
            self._block_messages += messages_of(header) - 1
        if self._awaiting_first and channel_id in self._awaiting_first:
            self._awaiting_first.discard(channel_id)
            self._data_arrived(waiting == 0)  # a first message: what was held may go now
        elif waiting == 0:
            self._data_arrived(True)
        if (len(items) > 1 and (channel_id in self._newest_only
                                or queue.bytes > self.link.queue_cap
                                or queue.bytes * len(self._active) > self.limit)
                or self.data_bytes > self.limit or self._entries > self._max_messages):
            return self._make_room(channel_id, queue, stamp)
        if self._drops.shown:
            self._maybe_withdraw(stamp)
        return 0

    def forget_channel(self, channel_id: int) -> None:
        """
        Discard a channel's waiting messages, uncounted: the client unsubscribed or it went.

        :param channel_id: the channel.
        """
        self._newest_only.discard(channel_id)
        queue = self._channels.pop(channel_id, None)
        if queue is None:
            return
        if queue.items:
            self._active.remove(channel_id)
        self.data_bytes -= queue.bytes
        self._entries -= len(queue.items)
        self._block_messages -= sum(messages_of(entry[HEADER]) - 1 for entry in queue.items)

    def expect_first_messages(self, channel_ids: list[int], now: float) -> None:
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

    def _data_arrived(self, was_empty: bool) -> None:
        # Data arrived in empty queues (the writer may be asleep), or the first message of a
        # subscribe request arrived (what was held for it may go now).
        if self._on_ready is not None and (not was_empty or not self._waiting_control):
            self._on_ready()

    # --- control frames ------------------------------------------------------------------------

    def put_reply(self, frame: Union[str, bytes]) -> None:
        """
        Queue the response to a client's request, outside the control budget.

        :param frame: JSON text or a binary frame.
        """
        if self._control.put_reply(frame):
            self._added()

    def put_control(self, frame: Union[str, bytes], after_data: bool = False) -> bool:
        """
        Queue a frame that must not be dropped.

        :param frame: JSON text or a binary frame.
        :param after_data: send it only after the data queued so far (a playback state that
            says the messages before it were played), instead of ahead of all data.
        :return: False if the control budget is exhausted (the client is to be closed).
        """
        if not self._control.admit(len(frame)):
            return False
        if after_data and self.data_bytes:
            self._ordered.append((self._sequence, frame))
        else:
            self._control.append(frame)
        self._added()
        return True

    def put_status(self, level: StatusLevel, message: str,
                   status_id: Optional[str] = None) -> bool:
        """
        Queue a status; one identical to a status still waiting only raises that one's count.

        :param level: info, warning or error.
        :param message: the text.
        :param status_id: optional id for replacing or removing it later.
        :return: False if the control budget is exhausted.
        """
        queued = self._control.put_status(level, message, status_id)
        if queued:
            self._added()
        return queued is not False

    def put_time(self, frame: bytes) -> None:
        """
        Queue a Time frame, replacing one not sent yet: only the latest time matters.

        :param frame: the Time frame.
        """
        if self._control.put_time(frame):
            self._added()

    def when_control_room(self, callback: Callable[[], None]) -> None:
        """
        Run ``callback`` once control frames take less than half their budget.

        :param callback: called at once if there is room, else after a take makes it.
        """
        self._control.when_room(callback)

    def _added(self) -> None:
        # The caller has just queued one control frame: was the queue empty before it?
        self._waiting_control += 1
        if self._on_ready is not None and self._waiting_control == 1 and not self._entries:
            self._on_ready()

    def _overflow(self, freed: int) -> None:
        # The control queue broke its budget and freed its frames: the ordered ones go too.
        self._waiting_control -= freed + len(self._ordered)
        self._ordered.clear()
        if self._on_overflow is not None:
            self._on_overflow()

    def _release_ordered(self) -> None:
        # An ordered frame goes once no message queued before it is still waiting.
        channels = self._channels
        waiting = min((channels[c].items[0][SEQUENCE] for c in self._active), default=None)
        while self._ordered and (waiting is None or waiting > self._ordered[0][0]):
            self._control.append(self._ordered.popleft()[1])

    # --- the link ------------------------------------------------------------------------------

    def seed_link(self, rate: float) -> None:
        """
        Start from a link speed learnt before: the same address's previous connection.

        :param rate: bytes per second.
        """
        self.link.seed(rate, self._clock())

    def throughput(self) -> Optional[float]:
        """
        Return the link's recent throughput while it was the bottleneck.

        :return: bytes per second, or None if the link has not held the client back lately.
        """
        return self.link.throughput(self._clock())

    # --- taking --------------------------------------------------------------------------------

    def take(self, max_bytes: int) -> list[Frame]:
        """
        Take the next frames, up to about ``max_bytes`` (at least one if any).

        Control frames first, then the latest Time, then the channels in turn by bytes. Data
        older than ``max_age`` is dropped here.

        :param max_bytes: stop once this many bytes are taken.
        :return: frames in sending order: ``str``, ``bytes``, or ``(header, payload)`` for
            data; empty if nothing waits.
        """
        if not self._waiting_control and not self._entries:
            self.taken_bytes = 0  # nothing waits: the writer's last look after each batch
            return []
        batch: list[Frame] = []
        if self._ordered:
            self._release_ordered()
        taken = self._control.take(batch, 0, max_bytes)
        self._waiting_control -= len(batch)
        if self._active and taken < max_bytes:
            barrier = self._ordered[0][0] if self._ordered else None
            taken = self._take_data(batch, taken, max_bytes, barrier)
        if self._ordered and not batch:
            waiting = len(self._ordered)
            self._release_ordered()
            if len(self._ordered) < waiting:
                return self.take(max_bytes)
        self.taken_bytes = taken
        self.sent_bytes += taken
        self._sent_frames += len(batch)
        return batch

    def wake_in(self) -> Optional[float]:
        """
        Tell when held messages may go, for a writer with nothing else to send.

        :return: seconds from now, or None if nothing is held.
        """
        if not self._awaiting_first or not self._entries:
            return None
        return max(0.0, self._grace_until - self._clock())

    def _take_data(self, batch: list[Frame], taken: int, max_bytes: int,
                   barrier: Optional[int]) -> int:
        # Data frames into the batch, channel by channel in turn by bytes; ``barrier`` is the
        # sequence number after which data waits for an ordered control frame. Returns the
        # bytes in the batch.
        now = self._clock()
        oldest = now - self._max_age if self._max_age > 0 else None
        dropped_before = self.dropped
        active = self._active
        channels = self._channels
        holding = self._holding_large(now)
        if len(active) == 1 and barrier is None and not holding:
            taken = self._take_one_channel(batch, taken, max_bytes, oldest)
        while active and taken < max_bytes:
            channel_id = active[0]
            queue = channels[channel_id]
            items = queue.items
            if oldest is not None and not self._drop_aged(channel_id, queue, oldest):
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
            self.data_bytes -= size
            self._entries -= 1
            batch.append((entry[HEADER], entry[PAYLOAD]))
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

    def _take_one_channel(self, batch: list[Frame], taken: int, max_bytes: int,
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
            if oldest is not None and entry[STAMP] < oldest and not entry[LATCHED]:
                items.appendleft(entry)
                queue.bytes -= removed
                self.data_bytes -= removed
                removed = 0
                self._drop(channel_id, queue, 0)
                continue
            size = entry[SIZE]
            removed += size
            append((entry[HEADER], entry[PAYLOAD]))
            taken += size
        queue.bytes -= removed
        self.data_bytes -= removed
        self._entries -= len(batch) - before
        if not items and self._active and self._active[0] == channel_id:
            self._emptied(channel_id, queue)
        return taken

    def _must_wait(self, entry: Entry, holding: bool, barrier: Optional[int]
                   ) -> Optional[bool]:
        """
        Tell whether the message at the head of the channel in turn must wait.

        :return: None if it may go; False if another channel goes first; True if nothing
            more goes now.
        """
        channels, active = self._channels, self._active
        if barrier is not None and entry[SEQUENCE] > barrier:
            # An ordered control frame is due before this message: serve only what was
            # queued before it, then let it go.
            return not any(channels[c].items[0][SEQUENCE] <= barrier for c in active)
        if holding and entry[SIZE] > QUANTUM:
            return not any(channels[c].items[0][SIZE] <= QUANTUM for c in active)
        return None

    def _holding_large(self, now: float) -> bool:
        # Large messages wait for the first messages of a subscribe request, for a grace at
        # most, and only while the link is not known to be fast.
        awaiting = self._awaiting_first
        if awaiting and (now >= self._grace_until or not self.link.slow):
            awaiting.clear()
        return bool(awaiting)

    def _emptied(self, channel_id: int, queue: ChannelQueue) -> None:
        # The channel at the head of the turn ran out: it leaves the turn, and a newest-only
        # one (a twin) has room for its next message.
        queue.deficit = 0
        self._active.popleft()
        if channel_id in self._newest_only:
            self._on_room(channel_id)

    # --- what is dropped -----------------------------------------------------------------------

    def _make_room(self, channel_id: int, queue: ChannelQueue, now: float) -> int:
        # Within its share a channel keeps everything; beyond it, it loses its own oldest, and
        # over the whole budget the fullest channel loses its oldest.
        dropped = 0
        if len(queue.items) > 1 and channel_id in self._newest_only:
            self._replace_older(queue)
        if len(queue.items) > 1:
            share = self._share(now)
            if queue.bytes > share:
                dropped += self._trim(channel_id, queue, share)
        if self.data_bytes > self.limit:  # the channel holding the most bytes loses its oldest
            dropped += self._trim_fullest(channel_id, lambda: self.data_bytes > self.limit,
                                          lambda q: q.bytes)
        if self._entries > self._max_messages:  # the one with the most entries loses its oldest
            dropped += self._trim_fullest(channel_id,
                                          lambda: self._entries > self._max_messages,
                                          lambda q: len(q.items))
        if dropped:
            self._report_drops(now, True)
        elif self._drops.shown:
            self._maybe_withdraw(now)
        return dropped

    def _share(self, now: float) -> float:
        share = self.limit / max(1, len(self._active))
        if self.link.fresh(now):
            share = min(share, self.link.queue_cap)
        return share

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
        self._entries -= 1
        messages = messages_of(entry[HEADER])
        self._block_messages -= messages - 1
        return messages

    def _drop(self, channel_id: int, queue: ChannelQueue, index: int) -> int:
        # One entry dropped, counted as lost; the messages it held.
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
            if queue.items[index][LATCHED]:
                index += 1
                continue
            dropped += self._drop(channel_id, queue, index)
        return dropped

    def _trim_fullest(self, newest_channel: int, over: Callable[[], bool],
                      fullness: Callable[[ChannelQueue], int]) -> int:
        dropped = 0
        while over():
            victim = _fullest(self._channels, self._active, newest_channel, fullness)
            if victim is None:
                break
            queue = self._channels[victim]
            index = next(i for i, e in enumerate(queue.items) if not e[LATCHED])
            dropped += self._drop(victim, queue, index)
        return dropped

    def _drop_aged(self, channel_id: int, queue: ChannelQueue, oldest: float) -> bool:
        # The messages at the head of a queue older than ``oldest`` go; is any left?
        items = queue.items
        while items and items[0][STAMP] < oldest and not items[0][LATCHED]:
            self._drop(channel_id, queue, 0)
        return bool(items)

    # --- drop reports --------------------------------------------------------------------------

    def _report_drops(self, now: float, new_drops: bool) -> None:
        # Tell the client what it lost, if a report is due.
        text = self._drops.due(now, new_drops)
        if text is not None:
            self.put_status(StatusLevel.WARNING, text, DROP_STATUS_ID)

    def _maybe_withdraw(self, now: float) -> None:
        # Withdraw the drop report once the client has kept up long enough.
        if self._drops.withdraw_due(now):
            self.put_control(protocol.remove_status([DROP_STATUS_ID]))


def _fullest(channels: dict[int, ChannelQueue], active: Iterable[int], newest_channel: int,
             fullness: Callable[[ChannelQueue], int]) -> Optional[int]:
    # The message just added survives when it is alone on its channel, so that one message
    # larger than a share still goes out; latched replays are never dropped.
    candidates = [c for c in active if (c != newest_channel or len(channels[c].items) > 1)
                  and not all(e[LATCHED] for e in channels[c].items)]
    return max(candidates, key=lambda c: fullness(channels[c])) if candidates else None


def _ignore(channel_id: int) -> None:
    """Hear of room on a newest-only channel, and do nothing with it."""
