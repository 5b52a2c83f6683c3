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
topic) and fill the queue with seconds-old frames. The scheduler has two halves: the data in
one queue per channel, served in turn by bytes, newest winning within each channel's share
(:class:`channel_queues.ChannelQueues`), and the frames that are never dropped, which go first
and are bounded apart (:class:`control_queue.ControlQueue`). A control frame may also wait for
the data queued before it (a PlaybackState says the messages before it were played).

Pure: no sockets, threads or clocks of its own; the caller passes the time and the link's
throughput, so every rule is tested with literal frames.
"""

from __future__ import annotations

from typing import Callable, Optional, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.protocol import StatusLevel
from foxglove_bridge_py.send_path.channel_queues import _SEQUENCE, ChannelQueues, QUANTUM
from foxglove_bridge_py.send_path.control_queue import ControlQueue
from foxglove_bridge_py.send_path.drop_report import DROP_STATUS_ID
from foxglove_bridge_py.send_path.frame_block import messages_of

__all__ = ['DROP_STATUS_ID', 'QUANTUM', 'SendScheduler']

Frame = Union[str, bytes, tuple]
"""JSON text, a binary frame, or ``(header, payload)`` for MessageData (``(block, b'')`` for a
:class:`frame_block.FrameBlock` of several)."""


class SendScheduler(ChannelQueues):
    """One client's outgoing frames: control first, then channels in turn, bounded in bytes."""

    def __init__(self, limit: int, *, control_limit: int, clock: Callable[[], float],
                 max_age: float = 0.0, describe_channel: Callable[[int], str] = str,
                 on_ready: Optional[Callable[[], None]] = None,
                 on_overflow: Optional[Callable[[], None]] = None, max_messages: int = 0
                 ) -> None:
        """
        Create a client's scheduler.

        :param limit: bytes of data (MessageData) the client's queues may hold.
        :param control_limit: bytes of control frames it may hold before it overflows.
        :param clock: monotonic seconds.
        :param max_age: seconds after which a waiting message is dropped (0: never).
        :param describe_channel: names a channel in drop reports (its topic).
        :param on_ready: called when the scheduler goes from empty to non-empty.
        :param on_overflow: called once when control frames exceed ``control_limit``.
        :param max_messages: data entries it may hold (``message_backlog_size``; 0: no limit).
        """
        super().__init__(limit, clock, max_age, describe_channel, max_messages)
        self.control_limit = control_limit
        self.taken_bytes = 0
        """Bytes of the frames the last :meth:`take` returned."""
        self.sent_bytes = 0
        self.sent_messages = 0
        """Bytes and frames :meth:`take` has handed out, ever, a block counted as its messages:
        for the figures (``status_report``)."""
        self._on_ready = on_ready
        self._on_overflow = on_overflow
        self._control = ControlQueue(control_limit, self._overflow)

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
        # The caller has just queued one frame: was the scheduler empty before it?
        self._count += 1
        if self._count == 1 and self._on_ready is not None:
            self._on_ready()

    # --- control -------------------------------------------------------------------------------

    def _overflow(self, freed: int) -> None:
        self._count -= freed + len(self._ordered)
        self._ordered.clear()
        if self._on_overflow is not None:
            self._on_overflow()

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

    def has_control_room(self) -> bool:
        """
        Tell whether control frames and replies take less than half the control budget.

        :return: True if a large reply (an asset) may be queued now.
        """
        return self._control.has_room()

    def when_control_room(self, callback: Callable[[], None]) -> None:
        """
        Run ``callback`` once control frames take less than half their budget.

        :param callback: called at once if there is room, else after a take makes it.
        """
        self._control.when_room(callback)

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
        self._count -= len(queue.items)
        self.sent_messages -= sum(messages_of(entry[0]) - 1 for entry in queue.items)

    # --- drop reports --------------------------------------------------------------------------

    def _report_drops(self, now: float, new_drops: bool) -> None:
        text = self._drops.due(now, new_drops)
        if text is not None:
            self.put_status(StatusLevel.WARNING, text, DROP_STATUS_ID)

    def _maybe_withdraw(self, now: float) -> None:
        if self._drops.withdraw_due(now):
            self.put_control(protocol.remove_status([DROP_STATUS_ID]))

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

    def seed_link(self, rate: float) -> None:
        """
        Start from a link speed learnt before: the same address's previous connection.

        :param rate: bytes per second.
        """
        self._link.seed(rate, self._clock())

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
        if not self._count:
            self.taken_bytes = 0  # nothing waits: the writer's last look after each batch
            return []
        batch: list = []
        if self._ordered:
            self._release_ordered()
        taken = self._control.take(batch, 0, max_bytes)
        self._count -= len(batch)
        if self._active and taken < max_bytes:
            taken = self._take_data(batch, taken, max_bytes)
        if self._ordered and not batch:
            waiting = len(self._ordered)
            self._release_ordered()
            if len(self._ordered) < waiting:
                return self.take(max_bytes)
        self.taken_bytes = taken
        self.sent_bytes += taken
        self.sent_messages += len(batch)
        return batch
