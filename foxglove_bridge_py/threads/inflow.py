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
The hand-off from ROS to the loop: messages, latched replays, the clock and new sessions.

Every message a subscription takes passes here, so posting one is a deque append and a flag
test, with no lock: a lock taken per message is a GIL release and a futex for each under
contention. The loop is woken once per batch and takes all that was posted, in order. The
rare kinds (a replay, the clock, a new session) take the lock; a replay rides in the same
deque as a marker, so it keeps its place among the messages.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from typing import Callable, cast, NamedTuple, Optional, Sequence, Union

from foxglove_bridge_py.core.seams import KeptMessage, Message

BUSY_WINDOW = 0.002
"""Seconds since the last hand-off under which messages count as a stream and are batched."""
COALESCE_DELAY = 0.0005
"""Seconds a hand-off waits, under a stream of messages, for more to join it, with one client."""
COALESCE_PER_CLIENT = 0.000125
"""Seconds more for each other client: every batch costs each of them a wake-up of its writer
and a socket write. With 10 clients of a stream of small messages, 1.5 ms instead of 0.5 cut
the bridge's CPU per message by 12-14 %, for 0.5-0.8 ms more latency at p50; one client has
little to gain and keeps the short wait."""
COALESCE_DELAY_MAX = 0.0015
"""The longest wait, reached at 9 clients (a frame of a 60 Hz display is 16.7 ms)."""
_REPLAY = -1
"""In the channel id's place: the entry is a late joiner's replay (channel ids are positive)."""
_Replay = tuple[int, int, int, tuple[list[KeptMessage], int]]
_Entry = Union[Message, _Replay]


class Inbox(NamedTuple):
    """What the ROS side hands the loop, received in the order it was posted."""

    deliver: Callable[[Sequence[Message]], None]
    """A batch of messages (``Fanout.deliver``)."""
    advance_time: Callable[[int], None]
    """The latest clock time in nanoseconds (``ServerTime.advance``)."""
    new_session: Callable[[str], None]
    """A new session id (``Hub.clear_session``)."""
    replay: Callable[[int, int, list[KeptMessage], int], None]
    """A late joiner's latched messages: client, channel, messages, the sequence live delivery
    resumes after (``Fanout.replay``)."""


class SessionIds:
    """Session ids: milliseconds since the epoch, as the SDK makes them, never the same twice."""

    def __init__(self) -> None:
        """Start before the first."""
        self._lock = threading.Lock()
        self._last_ms = 0

    def next(self) -> str:  # noqa: A003 - the iterator's word
        """
        Make the next session id; safe from any thread.

        :return: the id.
        """
        with self._lock:
            self._last_ms = max(self._last_ms + 1, time.time_ns() // 1_000_000)
            return str(self._last_ms)


class Inflow:
    """Posts from any thread, taken on the loop in batches, one wake-up each."""

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 call_in_loop: Callable[[Callable[[], None]], None], inbox: Inbox,
                 session_ids: SessionIds) -> None:
        """
        Start empty.

        :param loop: the loop that takes them.
        :param call_in_loop: schedules a call on the loop from any thread.
        :param inbox: where batches go, on the loop.
        :param session_ids: makes the ids of new sessions.
        """
        self._loop = loop
        self._call_in_loop = call_in_loop
        self._inbox = inbox
        self._session_ids = session_ids
        self._entries: collections.deque[_Entry] = collections.deque()
        self._lock = threading.Lock()
        self._replays = 0
        self._pending_time: Optional[int] = None
        self._pending_session: Optional[str] = None
        self._flush_scheduled = False
        self._last_flush = 0.0
        self._coalesce_delay = COALESCE_DELAY

    def set_client_count(self, clients: int) -> None:
        """
        Batch longer under a stream the more clients there are (on the loop).

        :param clients: how many are connected.
        """
        self._coalesce_delay = coalesce_delay(clients)

    def post_message(self, channel_id: int, sequence: int, log_time: int, data: bytes) -> None:
        """
        Hand a received message to the loop, batched with those around it.

        :param channel_id: its channel.
        :param sequence: its number, increasing across channels.
        :param log_time: its receive time in nanoseconds.
        :param data: its CDR bytes, untouched.
        """
        # No lock: the append is atomic, and the flag is cleared by the loop before it takes
        # the deque, so a message appended after the taking always finds it clear and wakes
        # the loop. Two threads may both wake it: the second wake-up finds nothing.
        self._entries.append((channel_id, sequence, log_time, data))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._call_in_loop(self._flush_now_or_soon)

    def post_time(self, timestamp_ns: int) -> None:
        """
        Hand the loop the clock's time; only the latest of a batch is sent.

        :param timestamp_ns: the time.
        """
        with self._lock:
            self._pending_time = timestamp_ns
        self._schedule_flush()

    def post_replay(self, client_id: int, channel_id: int, messages: list[KeptMessage],
                    until: int) -> None:
        """
        Hand the loop a late joiner's latched messages, in order with the live ones.

        :param client_id: the client.
        :param channel_id: the channel.
        :param messages: ``(sequence, log_time_ns, payload)`` tuples.
        :param until: the last sequence number given out when they were taken.
        """
        with self._lock:
            self._entries.append((_REPLAY, client_id, channel_id, (messages, until)))
            self._replays += 1
        self._schedule_flush()

    def post_new_session(self) -> str:
        """
        Start a new session: its id reaches the loop before any later time or message.

        :return: the new session id.
        """
        session_id = self._session_ids.next()
        with self._lock:
            self._pending_session = session_id
        self._schedule_flush()
        return session_id

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._call_in_loop(self._flush)

    def _flush_now_or_soon(self) -> None:
        # A message after a quiet spell goes out at once. Under a stream of them, waiting a
        # fraction of a millisecond gathers a batch, so that one wake-up of the loop and one
        # socket write carry many messages instead of one each.
        if self._loop.time() - self._last_flush < BUSY_WINDOW:
            self._loop.call_later(self._coalesce_delay, self._flush)
        else:
            self._flush()

    def _flush(self) -> None:
        """Hand everything posted to the inbox: the session, the time, then data and replays."""
        self._last_flush = self._loop.time()
        self._flush_scheduled = False  # before taking: see post_message
        entries = self._entries
        with self._lock:
            # Under the lock, so that a replay's marker and its count are taken together.
            batch = [entries.popleft() for _ in range(len(entries))]
            replays, self._replays = self._replays, 0
            timestamp, self._pending_time = self._pending_time, None
            session, self._pending_session = self._pending_session, None
        inbox = self._inbox
        # A new session first, so that the time and data after it belong to it.
        if session is not None:
            inbox.new_session(session)
        if timestamp is not None:
            inbox.advance_time(timestamp)
        if replays:
            _deliver_with_replays(inbox, batch)
        elif batch:
            inbox.deliver(cast('list[Message]', batch))  # no replay among them


def coalesce_delay(clients: int) -> float:
    """
    Give how long a hand-off waits under a stream, for a number of clients.

    :param clients: how many are connected.
    :return: seconds.
    """
    return min(COALESCE_DELAY_MAX, COALESCE_DELAY + COALESCE_PER_CLIENT * max(0, clients - 1))


def _deliver_with_replays(inbox: Inbox, batch: list[_Entry]) -> None:
    start = 0
    for index, entry in enumerate(batch):
        if entry[0] == _REPLAY:
            if index > start:
                inbox.deliver(cast('list[Message]', batch[start:index]))
            _, client_id, channel_id, (messages, until) = cast('_Replay', entry)
            inbox.replay(client_id, channel_id, messages, until)
            start = index + 1
    if start < len(batch):
        inbox.deliver(cast('list[Message]', batch[start:]))
