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
A recording as a source: channels appear, messages arrive, time advances, on the asyncio loop.

A :class:`~foxglove_bridge_py.core.seams.Source`, as the live graph (``ros.source``) is, and the
:class:`~foxglove_bridge_py.capabilities.playback.PlaybackControls`, with no ROS involved:
messages go out when the player's clock reaches their log time; the clients' PlaybackControl
requests move that clock, and every change is answered with a PlaybackState to all clients.
A recording's channels are always "subscribed", so starting and stopping a channel cost nothing.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Callable, Iterator, Optional

from foxglove_bridge_py.capabilities.playback import playback_state, PlaybackControlRequest
from foxglove_bridge_py.capabilities.server_time import ServerTime
from foxglove_bridge_py.core.hub import Hub
from foxglove_bridge_py.core.seams import Message
from foxglove_bridge_py.playback.recording import Played, Player, PlayerStatus, Recording
from foxglove_bridge_py.protocol import Channel, StatusLevel

KNOWN_ENCODINGS = frozenset({'cdr', 'json', 'protobuf', 'flatbuffer', 'ros1'})
TIME_UPDATE_PERIOD = 0.05
"""Seconds between Time messages while playing between sparse messages."""


class PlaybackSource:
    """Drives a :class:`Player` over a :class:`Recording` and sends what is due."""

    def __init__(self, hub: Hub, time: ServerTime, recording: Recording,
                 topic_allowed: Callable[[str], bool],
                 on_played: Optional[Callable[[list], None]] = None) -> None:
        """
        Advertise the recording's channels and set the hub's time range.

        Channels whose message encoding the app cannot decode are left out, each with a
        standing warning status naming the topic and the encoding.

        :param hub: the protocol core.
        :param time: sends the player's time to the clients.
        :param recording: the recording.
        :param topic_allowed: ``topic_whitelist``.
        :param on_played: also told each batch played, as ``(channel, log time, data)``
            tuples (to publish it into ROS).
        """
        self._on_played = on_played
        self.hub = hub
        self._time = time
        self.recording = recording
        self.player = Player(recording.start_time, recording.end_time)
        hub.data_range = (recording.start_time, recording.end_time)
        specs: list[Channel] = []
        keys_by_spec: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for channel in recording.channels.values():
            if not topic_allowed(channel.topic):
                continue
            if channel.message_encoding not in KNOWN_ENCODINGS:
                hub.statuses.set(f'foxglove_bridge_py.playback.recording:{channel.topic}',
                                 StatusLevel.WARNING,
                                 f'{channel.topic} is not played back: its message encoding '
                                 f'"{channel.message_encoding}" cannot be decoded by the app')
                continue
            spec = Channel(0, channel.topic, channel.message_encoding, channel.schema_name,
                           channel.schema, channel.schema_encoding or None)
            if spec.key not in keys_by_spec:
                specs.append(spec)
            # The files of a rosbag2 folder each have their own copy of a channel.
            keys_by_spec.setdefault(spec.key, []).append(channel.key)
        self._keys = {key: added.id for added in hub.add_channels(specs)
                      for key in keys_by_spec[(added.topic, added.schema_name)]}
        self._sequence = itertools.count(1)
        self._wake = asyncio.Event()
        self._restart = True

    def start(self, channel: Channel) -> None:
        """
        Start sending a channel: a recording's channels are always sent to who subscribes.

        :param channel: the channel.
        """

    def stop(self, channel_id: int) -> None:
        """
        Stop sending a channel: nothing to do.

        :param channel_id: the channel.
        """

    def replay(self, client_id: int, channel_id: int) -> None:
        """
        Replay a latched channel: never asked, as a recording marks no channel latched.

        :param client_id: the late joiner.
        :param channel_id: the channel.
        """

    def control(self, request: PlaybackControlRequest) -> None:
        """
        Apply a client's request (seek, then speed, then play or pause) and answer all clients.

        :param request: the decoded PlaybackControlRequest.
        """
        loop = asyncio.get_running_loop()
        now = loop.time()
        player = self.player
        did_seek = request.seek_time is not None
        if request.seek_time is not None:
            player.seek(request.seek_time, now)
            self._restart = True
        player.set_speed(request.speed, now)
        if request.command == 0:
            if player.status == PlayerStatus.ENDED:
                self._restart = True
            player.play(now)
        else:
            player.pause(now)
        status, current, speed = player.state(now)
        # Behind the messages already queued, as they were played before this state.
        self.hub.broadcast(playback_state(status, current, speed, did_seek, request.request_id),
                           after_data=True)
        self._time.advance(current)
        self._wake.set()

    async def run(self) -> None:
        """Play until cancelled."""
        loop = asyncio.get_running_loop()
        player = self.player
        messages: Iterator[Played] = iter(())
        pending: Optional[Played] = None
        while True:
            if self._restart:
                self._restart = False
                messages = iter(self.recording.messages(player.now(loop.time())))
                pending = next(messages, None)
            if player.status != PlayerStatus.PLAYING:
                await self._wait(None)
            elif pending is None:
                self._end(loop.time())
            elif await self._until_due(pending[1]):
                pending = self._play_due(pending, messages, loop.time())

    def _end(self, now: float) -> None:
        self.player.end()
        status, current, speed = self.player.state(now)
        self._time.advance(current)
        self.hub.broadcast(playback_state(status, current, speed, False),
                           after_data=True)

    async def _until_due(self, log_time: int) -> bool:
        """Wait (a slice at a time, sending the time) until a message is due; False if not."""
        loop = asyncio.get_running_loop()
        delay = self.player.wall_time_of(log_time) - loop.time()
        if delay <= 0:
            return True
        if await self._wait(min(delay, TIME_UPDATE_PERIOD)):
            return False  # a control request changed the plan
        if delay > TIME_UPDATE_PERIOD:
            self._time.advance(self.player.now(loop.time()))
            return False
        return True

    def _play_due(self, pending: Optional[Played], messages: Iterator[Played], now: float
                  ) -> Optional[Played]:
        """Send every message due by ``now``; return the first one not yet due."""
        batch: list[Message] = []
        while pending is not None and self.player.wall_time_of(pending[1]) <= now:
            key, log_time, data = pending
            channel_id = self._keys.get(key)
            if channel_id is not None:
                batch.append((channel_id, next(self._sequence), log_time, data))
            pending = next(messages, None)
        if batch:
            self._time.advance(batch[-1][2])
            self.hub.fanout.deliver(batch)
            if self._on_played is not None:
                channels = self.hub.channels
                self._on_played([(channels[c], t, data) for c, _, t, data in batch])
        return pending

    async def _wait(self, timeout: Optional[float]) -> bool:
        """Wait for a control request (True) or the timeout (False)."""
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        self._wake.clear()
        return True
