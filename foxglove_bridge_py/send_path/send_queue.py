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
one queue per channel (:class:`queue_room.QueueRoom`, newest winning within each channel's
share), served in turn by bytes (:class:`channel_queues.ChannelQueues`), and the frames that are
never dropped, which go first and are bounded apart (:class:`control_queue.ControlQueue`). A
control frame may also wait for the data queued before it (a PlaybackState says the messages
before it were played).

Pure: no sockets, threads or clocks of its own; the caller passes the time and the link's
throughput, so every rule is tested with literal frames.
"""

from __future__ import annotations

import collections
from typing import Callable, Iterable, Optional, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.protocol import StatusLevel
from foxglove_bridge_py.send_path.channel_queues import ChannelQueues, QUANTUM
from foxglove_bridge_py.send_path.control_queue import ControlQueue
from foxglove_bridge_py.send_path.drop_report import DROP_STATUS_ID
from foxglove_bridge_py.send_path.frame_block import Frame, Header
from foxglove_bridge_py.send_path.queue_room import QueueRoom

__all__ = ['DROP_STATUS_ID', 'Frame', 'QUANTUM', 'SendQueue']


class SendQueue:
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
        self._room = room = QueueRoom(
            limit, max_messages, describe_channel, self._data_arrived,
            self._show_drops, self._withdraw_drops)
        self._turn = ChannelQueues(room, clock, max_age)
        self.link = room.link
        """What the client's link carries (``link_meter``): the writer records each write."""
        self._control = ControlQueue(control_limit, self._overflow)
        self._clock = clock
        self._waiting_control = 0
        """Control frames waiting, those ordered after data included."""
        self._ordered: collections.deque[tuple[int, Union[str, bytes]]] = collections.deque()
        """Control frames that go only after the data queued before them: (sequence, frame)."""
        self.control_limit = control_limit
        self.taken_bytes = 0
        """Bytes of the frames the last :meth:`take` returned."""
        self.sent_bytes = 0
        self._sent_frames = 0
        self._on_ready = on_ready
        self._on_overflow = on_overflow
        # The data path, per batch and client: the room's own methods, no call in between.
        self.put_many: Callable[[int, Iterable[tuple[Header, bytes]], float, bool], int] = (
            room.put_many)
        self.expect_first_messages = self._turn.expect_first_messages
        self.keep_newest_only = self._turn.keep_newest_only
        self.forget_channel = room.forget
        self.wake_in = self._turn.wake_in

    def __len__(self) -> int:
        return self._waiting_control + self._room.entries

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
        # The caller has just queued one control frame: was the scheduler empty before it?
        self._waiting_control += 1
        if self._on_ready is not None and self._waiting_control == 1 and not self._room.entries:
            self._on_ready()

    def _show_drops(self, text: str) -> None:
        self.put_status(StatusLevel.WARNING, text, DROP_STATUS_ID)

    def _withdraw_drops(self) -> None:
        self.put_control(protocol.remove_status([DROP_STATUS_ID]))

    def _data_arrived(self, was_empty: bool) -> None:
        # Data arrived in empty queues (the writer may be asleep), or the first message of a
        # subscribe request arrived (what was held for it may go now).
        if self._on_ready is not None and (not was_empty or not self._waiting_control):
            self._on_ready()

    # --- data ----------------------------------------------------------------------------------

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
        return self._room.put_many(channel_id, ((header, payload),), stamp, latched)

    @property
    def limit(self) -> int:
        """Bytes of data the client's queues may hold (``send_buffer_limit``)."""
        return self._room.limit

    @property
    def data_bytes(self) -> int:
        """Bytes of data waiting."""
        return self._room.data_bytes

    @property
    def dropped(self) -> int:
        """Messages dropped, ever."""
        return self._room.dropped

    @property
    def dropped_by_channel(self) -> collections.Counter[int]:
        """Messages dropped, ever, by channel."""
        return self._room.dropped_by_channel

    @property
    def replaced(self) -> int:
        """Messages of newest-only channels replaced by a newer one before they were sent."""
        return self._room.replaced

    @property
    def sent_messages(self) -> int:
        """Messages :meth:`take` has handed out, ever, a block counted as its messages."""
        return self._sent_frames + self._room.block_messages

    # --- control -------------------------------------------------------------------------------

    def _overflow(self, freed: int) -> None:
        self._waiting_control -= freed + len(self._ordered)
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
        if after_data and self._room.data_bytes:
            self._ordered.append((self._room.sequence, frame))
        else:
            self._control.append(frame)
        self._added()
        return True

    def _release_ordered(self) -> None:
        # An ordered frame goes once no message queued before it is still waiting.
        waiting = self._room.oldest_sequence()
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

    # --- the link ------------------------------------------------------------------------------

    def seed_link(self, rate: float) -> None:
        """
        Start from a link speed learnt before: the same address's previous connection.

        :param rate: bytes per second.
        """
        self._room.link.seed(rate, self._clock())

    def throughput(self) -> Optional[float]:
        """
        Return the link's recent throughput while it was the bottleneck.

        :return: bytes per second, or None if the link has not held the client back lately.
        """
        return self._room.link.throughput(self._clock())

    # --- taking --------------------------------------------------------------------------------

    def pop(self) -> Optional[Frame]:
        """
        Take the next frame.

        :return: ``str``, ``bytes``, ``(header, payload)`` for data, or None if empty.
        """
        batch = self.take(1)
        return batch[0] if batch else None

    def take(self, max_bytes: int) -> list[Frame]:
        """
        Take the next frames, up to about ``max_bytes`` (at least one if any).

        Control frames first, then the latest Time, then the channels in turn by bytes. Data
        older than ``max_age`` is dropped here.

        :param max_bytes: stop once this many bytes are taken.
        :return: frames in sending order; empty if nothing waits.
        """
        room = self._room
        if not self._waiting_control and not room.entries:
            self.taken_bytes = 0  # nothing waits: the writer's last look after each batch
            return []
        batch: list[Frame] = []
        if self._ordered:
            self._release_ordered()
        taken = self._control.take(batch, 0, max_bytes)
        self._waiting_control -= len(batch)
        if room.active and taken < max_bytes:
            barrier = self._ordered[0][0] if self._ordered else None
            taken = self._turn.take(batch, taken, max_bytes, barrier)
        if self._ordered and not batch:
            waiting = len(self._ordered)
            self._release_ordered()
            if len(self._ordered) < waiting:
                return self.take(max_bytes)
        self.taken_bytes = taken
        self.sent_bytes += taken
        self._sent_frames += len(batch)
        return batch
