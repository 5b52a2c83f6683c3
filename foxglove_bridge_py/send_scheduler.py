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
topic) and fill the queue with seconds-old frames. Here every subscribed channel has its own
queue inside the client's byte budget, and the channels are served in turn by bytes (deficit
round robin), so a 6 MB frame delays a small message of another channel by at most the one
frame already in flight. A channel keeps every message while it stays within its share; beyond
it, it drops its own oldest messages (newest wins). The share is the budget split among the
channels that have something queued and, once the link is known to be slow, what the link
carries in :data:`LATENCY_TARGET`, so that queued frames are never more than a fraction of a
second behind. Data older than ``max_age`` is dropped instead of sent (latched replays are
exempt), and drops are counted per channel and reported to the client in one status.

Control frames (statuses, advertisements, parameter values) are never dropped. They go first,
identical statuses waiting in the queue are merged into one with a count, and their bytes are
bounded too: past ``control_limit`` the queue stops taking them and reports an overflow, on
which the server closes the client (a client that does not read cannot grow the bridge's
memory). Responses to requests (assets, service calls) are bounded where they are made, by
the number of requests a client may have open and by waiting for room
(:meth:`SendScheduler.when_control_room`), so they never close a slow client. The latest Time
frame replaces an unsent one.

Pure: no sockets, threads or clocks of its own; the caller passes the time and the link's
throughput, so every rule is tested with literal frames.
"""

from __future__ import annotations

import collections
from typing import Callable, Optional, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.drop_report import DROP_STATUS_ID, DropReport
from foxglove_bridge_py.link_meter import LinkMeter
from foxglove_bridge_py.protocol import StatusLevel

__all__ = ['DROP_STATUS_ID', 'QUANTUM', 'SendScheduler']

Frame = Union[str, bytes, tuple]
"""JSON text, a binary frame, or ``(header, payload)`` for MessageData."""

QUANTUM = 64 * 1024
"""Bytes a channel may send per turn of the round robin."""
FIRST_MESSAGE_GRACE = 0.25
"""Seconds that large messages of a subscribe request wait, on a link not known to be fast,
for the request's other channels to send their first message: a state topic subscribed with
a camera is not stuck behind the camera's first frame (once started, a frame cannot be
interrupted, and on 20 Mbit/s a VGA frame takes 0.37 s)."""
# A queued MessageData: (header, payload, size, arrival time, latched replay, sequence).
_HEADER, _PAYLOAD, _SIZE, _STAMP, _LATCHED, _SEQUENCE = range(6)


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


class _ChannelQueue:
    """One channel's waiting messages and its place in the round robin."""

    __slots__ = ('items', 'bytes', 'deficit')

    def __init__(self) -> None:
        self.items: collections.deque = collections.deque()
        self.bytes = 0
        self.deficit = 0


class SendScheduler:
    """One client's outgoing frames: control first, then channels in turn, bounded in bytes."""

    def __init__(self, limit: int, *, control_limit: int, clock: Callable[[], float],
                 max_age: float = 0.0, describe_channel: Callable[[int], str] = str,
                 on_ready: Optional[Callable[[], None]] = None,
                 on_overflow: Optional[Callable[[], None]] = None) -> None:
        """
        Create a client's scheduler.

        :param limit: bytes of data (MessageData) the client's queues may hold.
        :param control_limit: bytes of control frames it may hold before it overflows.
        :param clock: monotonic seconds.
        :param max_age: seconds after which a waiting message is dropped (0: never).
        :param describe_channel: names a channel in drop reports (its topic).
        :param on_ready: called when the scheduler goes from empty to non-empty.
        :param on_overflow: called once when control frames exceed ``control_limit``.
        """
        self.limit = limit
        self.control_limit = control_limit
        self.max_age = max_age
        self.data_bytes = 0
        self.control_bytes = 0
        self.reply_bytes = 0
        self.taken_bytes = 0
        """Bytes of the frames the last :meth:`take` returned."""
        self.dropped = 0
        self.dropped_by_channel: collections.Counter = collections.Counter()
        self.overflowed = False
        self._clock = clock
        self._on_ready = on_ready
        self._on_overflow = on_overflow
        self._control: collections.deque = collections.deque()
        self._statuses: dict[tuple, _Status] = {}
        self._time: Optional[bytes] = None
        self._channels: dict[int, _ChannelQueue] = {}
        self._active: collections.deque = collections.deque()
        self._count = 0
        self._link = LinkMeter()
        self._drops = DropReport(describe_channel)
        self._room_waiters: list = []
        self._sequence = 0
        self._ordered: collections.deque = collections.deque()
        self._awaiting_first: set = set()
        self._grace_until = float('-inf')

    def __len__(self) -> int:
        return self._count

    def set_on_ready(self, on_ready: Callable[[], None]) -> None:
        """
        Set the callback run when the scheduler stops being empty.

        :param on_ready: the callback.
        """
        self._on_ready = on_ready

    def set_on_overflow(self, on_overflow: Callable[[], None]) -> None:
        """
        Set the callback run when control frames exceed their budget.

        :param on_overflow: the callback.
        """
        self._on_overflow = on_overflow

    def _added(self) -> None:
        self._count += 1
        if self._count == 1 and self._on_ready is not None:
            self._on_ready()

    # --- control -------------------------------------------------------------------------------

    def _admit_control(self, size: int) -> bool:
        # One frame is always taken into an empty control queue (a large service or asset
        # response); beyond that the budget holds, and breaking it ends the client.
        if self.overflowed:
            return False
        if self.control_bytes and self.control_bytes + size > self.control_limit:
            # The client is to be closed: free what it will never read.
            self.overflowed = True
            self._count -= len(self._control) + len(self._ordered)
            self._control.clear()
            self._ordered.clear()
            self._statuses.clear()
            self.control_bytes = self.reply_bytes = 0
            if self._on_overflow is not None:
                self._on_overflow()
            return False
        self.control_bytes += size
        return True

    def put_reply(self, frame: Union[str, bytes]) -> None:
        """
        Queue the response to a client's request, outside the control budget.

        :param frame: JSON text or a binary frame.
        """
        if self.overflowed:
            return
        self.reply_bytes += len(frame)
        self._control.append(_Reply(frame))
        self._added()

    def put_control(self, frame: Union[str, bytes], after_data: bool = False) -> bool:
        """
        Queue a frame that must not be dropped.

        :param frame: JSON text or a binary frame.
        :param after_data: send it only after the data queued so far (a playback state that
            says the messages before it were played), instead of ahead of all data.
        :return: False if the control budget is exhausted (the client is to be closed).
        """
        if not self._admit_control(len(frame)):
            return False
        if after_data and self.data_bytes:
            self._ordered.append((self._sequence, frame))
        else:
            self._control.append(frame)
        self._added()
        return True

    def _release_ordered(self) -> None:
        # An ordered frame goes once no message queued before it is still waiting.
        waiting = min((self._channels[c].items[0][_SEQUENCE] for c in self._active),
                      default=None)
        while self._ordered and (waiting is None or waiting > self._ordered[0][0]):
            self._control.append(self._ordered.popleft()[1])

    def put_status(self, level: StatusLevel, message: str,
                   status_id: Optional[str] = None) -> bool:
        """
        Queue a status; one identical to a status still waiting only raises that one's count.

        :param level: info, warning or error.
        :param message: the text.
        :param status_id: optional id for replacing or removing it later.
        :return: False if the control budget is exhausted.
        """
        key = (level, message, status_id)
        waiting = self._statuses.get(key)
        if waiting is not None:
            waiting.count += 1
            return True
        status = _Status(level, message, status_id)
        if not self._admit_control(status.size):
            return False
        self._statuses[key] = status
        self._control.append(status)
        self._added()
        return True

    def put_time(self, frame: bytes) -> None:
        """
        Queue a Time frame, replacing one not sent yet: only the latest time matters.

        :param frame: the Time frame.
        """
        if self._time is None:
            self._time = frame
            self._added()
        else:
            self._time = frame

    def has_control_room(self) -> bool:
        """
        Tell whether control frames and replies take less than half the control budget.

        :return: True if a large reply (an asset) may be queued now.
        """
        return (self.control_bytes + self.reply_bytes < self.control_limit // 2
                and not self.overflowed)

    def when_control_room(self, callback: Callable[[], None]) -> None:
        """
        Run ``callback`` once control frames take less than half their budget.

        :param callback: called at once if there is room, else after a take makes it.
        """
        if self.has_control_room():
            callback()
        else:
            self._room_waiters.append(callback)

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
        """
        Queue a MessageData frame on its channel, dropping what no longer fits.

        :param channel_id: the channel it belongs to.
        :param header: the MessageData header with this client's subscription id.
        :param payload: the message bytes, shared with other clients.
        :param stamp: when the message arrived (the clock's seconds).
        :param latched: a latched replay: never dropped for age or share.
        :return: how many messages were dropped to make room (the new one included).
        """
        # Called per message per client: the common case is a few attribute updates.
        size = len(header) + len(payload)
        queue = self._channels.get(channel_id)
        if queue is None:
            queue = self._channels[channel_id] = _ChannelQueue()
        items = queue.items
        if not items:
            self._active.append(channel_id)
        self._sequence = sequence = self._sequence + 1
        items.append((header, payload, size, stamp, latched, sequence))
        queue.bytes += size
        self.data_bytes += size
        self._count += 1
        if self._count == 1 and self._on_ready is not None:
            self._on_ready()
        elif self._awaiting_first and channel_id in self._awaiting_first:
            self._awaiting_first.discard(channel_id)
            if self._on_ready is not None:
                self._on_ready()  # a first message: what was held may go now
        dropped = 0
        if len(items) > 1 and (queue.bytes > self._link.queue_cap
                               or queue.bytes * len(self._active) > self.limit):
            share = self._share(stamp)
            if queue.bytes > share:
                dropped += self._trim(channel_id, queue, share)
        if self.data_bytes > self.limit:
            dropped += self._trim_largest(channel_id)
        if dropped:
            self._report_drops(stamp, True)
        elif self._drops.shown:
            self._maybe_withdraw(stamp)
        return dropped

    def _share(self, now: float) -> float:
        share = self.limit / max(1, len(self._active))
        if self._link.fresh(now):
            share = min(share, self._link.queue_cap)
        return share

    def _drop(self, channel_id: int, queue: _ChannelQueue, index: int) -> None:
        entry = queue.items[index]
        del queue.items[index]
        queue.bytes -= entry[_SIZE]
        self.data_bytes -= entry[_SIZE]
        self._count -= 1
        self.dropped += 1
        self.dropped_by_channel[channel_id] += 1
        self._drops.count(channel_id)
        if not queue.items:
            queue.deficit = 0
            self._active.remove(channel_id)

    def _trim(self, channel_id: int, queue: _ChannelQueue, share: float) -> int:
        # Oldest first, never the newest message, never a latched replay.
        dropped = 0
        index = 0
        while queue.bytes > share and len(queue.items) - index > 1:
            if queue.items[index][_LATCHED]:
                index += 1
                continue
            self._drop(channel_id, queue, index)
            dropped += 1
        return dropped

    def _trim_largest(self, newest_channel: int) -> int:
        # Over the whole budget: the channel holding the most bytes loses its oldest message.
        # The message just added survives when it is alone on its channel, so that one message
        # larger than a share still goes out.
        dropped = 0
        while self.data_bytes > self.limit:
            candidates = [c for c in self._active
                          if c != newest_channel or len(self._channels[c].items) > 1]
            candidates = [c for c in candidates
                          if not all(e[_LATCHED] for e in self._channels[c].items)]
            if not candidates:
                break
            victim = max(candidates, key=lambda c: self._channels[c].bytes)
            queue = self._channels[victim]
            index = next(i for i, e in enumerate(queue.items) if not e[_LATCHED])
            self._drop(victim, queue, index)
            dropped += 1
        return dropped

    def forget_channel(self, channel_id: int) -> None:
        """
        Discard a channel's waiting messages, uncounted: the client unsubscribed or it went.

        :param channel_id: the channel.
        """
        queue = self._channels.pop(channel_id, None)
        if queue is None:
            return
        if queue.items:
            self._active.remove(channel_id)
        self.data_bytes -= queue.bytes
        self._count -= len(queue.items)

    # --- the link ------------------------------------------------------------------------------

    def record_throughput(self, nbytes: int, seconds: float, now: float) -> None:
        """
        Learn the link's speed from a write and the wait for the socket to take it.

        Call it for writes large enough to fill the socket, or while more data waits (then
        the link, not the source, set the pace); sets :attr:`slow_link`.

        :param nbytes: bytes written.
        :param seconds: how long writing them and waiting for the socket took.
        :param now: the clock's seconds.
        """
        self._link.record(nbytes, seconds, now)

    @property
    def slow_link(self) -> bool:
        """
        Tell whether the link counts as slow (it does until writes show it fast).

        :return: True while it is slow or not yet measured.
        """
        return self._link.slow

    def throughput(self) -> Optional[float]:
        """
        Return the link's recent throughput while it was the bottleneck.

        :return: bytes per second, or None if the link has not held the client back lately.
        """
        return self._link.throughput(self._clock())

    # --- taking --------------------------------------------------------------------------------

    def pop(self) -> Optional[Frame]:
        """
        Take the next frame.

        :return: ``str``, ``bytes``, ``(header, payload)`` for data, or None if empty.
        """
        batch = self.take(1)
        return batch[0] if batch else None

    def take(self, max_bytes: int) -> list:
        """
        Take the next frames, up to about ``max_bytes`` (at least one if any).

        Control frames first, then the latest Time, then the channels in turn by bytes. Data
        older than ``max_age`` is dropped here.

        :param max_bytes: stop once this many bytes are taken.
        :return: frames in sending order; empty if nothing waits.
        """
        batch: list = []
        taken = 0
        if self._ordered:
            self._release_ordered()
        control = self._control
        while control and taken < max_bytes:
            item = control.popleft()
            if item.__class__ is _Status:
                del self._statuses[(item.level, item.message, item.status_id)]
                self.control_bytes -= item.size
                item = item.encode()
            elif item.__class__ is _Reply:
                item = item.frame
                self.reply_bytes -= len(item)
            else:
                self.control_bytes -= len(item)
            self._count -= 1
            batch.append(item)
            taken += len(item)
        if self._room_waiters and self.has_control_room():
            waiters, self._room_waiters = self._room_waiters, []
            for waiter in waiters:
                waiter()
        if self._time is not None and taken < max_bytes:
            batch.append(self._time)
            taken += len(self._time)
            self._time = None
            self._count -= 1
        if self._active and taken < max_bytes:
            taken = self._take_data(batch, taken, max_bytes)
        if self._ordered and not batch:
            released = len(self._control)
            self._release_ordered()
            if len(self._control) > released:
                return self.take(max_bytes)
        self.taken_bytes = taken
        return batch

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
            if oldest is not None:
                while items and items[0][_STAMP] < oldest and not items[0][_LATCHED]:
                    self._drop(channel_id, queue, 0)
                if not items:
                    continue
            entry = items[0]
            if self._ordered and entry[_SEQUENCE] > self._ordered[0][0]:
                # An ordered control frame is due before this message: serve only what was
                # queued before it, then let it go.
                barrier = self._ordered[0][0]
                if any(channels[c].items[0][_SEQUENCE] <= barrier for c in active):
                    active.rotate(-1)
                    continue
                break
            size = entry[_SIZE]
            if holding and size > QUANTUM:
                if any(channels[c].items[0][_SIZE] <= QUANTUM for c in active):
                    active.rotate(-1)
                    continue
                break
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
                queue.deficit = 0
                active.popleft()
        if self.dropped != dropped_before or self._drops.pending():
            self._report_drops(now, self.dropped != dropped_before)
        elif self._drops.shown:
            self._maybe_withdraw(now)
        return taken

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
            queue.deficit = 0
            self._active.popleft()
        return taken

    # --- drop reports --------------------------------------------------------------------------

    def _report_drops(self, now: float, new_drops: bool) -> None:
        text = self._drops.due(now, new_drops)
        if text is not None:
            self.put_status(StatusLevel.WARNING, text, DROP_STATUS_ID)

    def _maybe_withdraw(self, now: float) -> None:
        if self._drops.withdraw_due(now):
            self.put_control(protocol.remove_status([DROP_STATUS_ID]))
