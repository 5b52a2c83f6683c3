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
Playback of a recording: MCAP files (or a rosbag2 folder of them) and a pure player clock.

:class:`Recording` reads channels, the time range and messages from a point in time, through
the MCAP index, never loading a file whole. :class:`Player` is the sans-I/O playback state:
play, pause, seek and speed map wall-clock time to recording time; the caller sleeps and sends.
"""

from __future__ import annotations

from dataclasses import dataclass
import enum
import heapq
import math
import os
from typing import BinaryIO, Iterator, Optional, TYPE_CHECKING

if TYPE_CHECKING:  # mcap has no types: its objects are the boundary
    from mcap.reader import McapReader
    from mcap.records import Schema

Played = tuple[tuple[int, int], int, bytes]
"""A recorded message: its channel's key (file index, channel id), log time, data."""


class PlayerStatus(enum.IntEnum):
    """A player's status, as PlaybackState encodes it."""

    PLAYING = 0
    PAUSED = 1
    BUFFERING = 2
    ENDED = 3


MIN_SPEED, MAX_SPEED = 0.01, 100.0


class RecordingError(Exception):
    """A recording that cannot be played; the text says which file and why."""


@dataclass(frozen=True)
class RecordedChannel:
    """A channel of the recording: its topic, encodings and schema text."""

    key: tuple[int, int]
    topic: str
    message_encoding: str
    schema_name: str
    schema_encoding: str
    schema: str


def _recording_files(path: str) -> list[str]:
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith('.mcap'))
        if not files:
            raise RecordingError(f'{path}: no .mcap files in this folder')
        return files
    if os.path.isfile(path):
        return [path]
    raise RecordingError(f'{path}: no such file or folder')


class Recording:
    """One MCAP file, or the MCAP files of a rosbag2 folder, read through their indexes."""

    def __init__(self, path: str) -> None:
        """
        Open a recording and read its summary.

        :param path: an ``.mcap`` file, or a folder holding ``metadata.yaml`` and ``.mcap``
            files (rosbag2 with the MCAP storage plugin).
        :raises RecordingError: if it is missing, not MCAP, or truncated without an index, or
            if the ``mcap`` package is not installed.
        """
        try:
            from mcap.reader import make_reader
        except ImportError:
            raise RecordingError('reading recordings needs the mcap package, which rosdep does '
                                 'not install: python3 -m pip install mcap') from None
        self.files = files = _recording_files(path)
        self._streams: list[BinaryIO] = []
        self._readers: list[McapReader] = []
        self.channels: dict[tuple[int, int], RecordedChannel] = {}
        starts: list[int] = []
        ends: list[int] = []
        for index, name in enumerate(files):
            stream = open(name, 'rb')
            self._streams.append(stream)
            try:
                reader = make_reader(stream)
                summary = reader.get_summary()
            except Exception as exc:  # noqa: B902 - the mcap reader raises many kinds
                self.close()
                raise RecordingError(f'{name}: not a readable MCAP file ({exc})') from None
            if summary is None or summary.statistics is None:
                self.close()
                raise RecordingError(f'{name}: the MCAP file has no summary (it is truncated or '
                                     'was not finished); run `mcap recover` on it first')
            self._readers.append(reader)
            for channel in summary.channels.values():
                schema = summary.schemas.get(channel.schema_id)
                self.channels[(index, channel.id)] = RecordedChannel(
                    (index, channel.id), channel.topic, channel.message_encoding,
                    schema.name if schema else '', schema.encoding if schema else '',
                    _schema_text(schema))
            if summary.statistics.message_count:
                starts.append(summary.statistics.message_start_time)
                ends.append(summary.statistics.message_end_time)
        self.start_time = min(starts, default=0)
        self.end_time = max(ends, default=0)

    def messages(self, start_time: int) -> Iterator[Played]:
        """
        Iterate over the messages from a point in time, in log-time order, across files.

        :param start_time: the first log time wanted, in nanoseconds.
        :return: ``(channel key, log time, data)`` tuples.
        """
        def one(index: int, reader: McapReader) -> Iterator[tuple[int, int, int, bytes]]:
            for _, channel, message in reader.iter_messages(start_time=start_time,
                                                            log_time_order=True):
                yield message.log_time, index, channel.id, message.data

        merged = heapq.merge(*(one(i, r) for i, r in enumerate(self._readers)))
        for log_time, index, channel_id, data in merged:
            yield (index, channel_id), log_time, data

    def close(self) -> None:
        """Close the files."""
        for stream in self._streams:
            stream.close()
        self._streams = []


def _schema_text(schema: Optional[Schema]) -> str:
    if schema is None:
        return ''
    if schema.encoding in ('protobuf', 'flatbuffer'):
        import base64
        return base64.b64encode(schema.data).decode()
    return schema.data.decode('utf-8', errors='replace')


class Player:
    """
    Where playback is in the recording, as a function of wall-clock time; pure.

    Recording time advances at ``speed`` times wall time while playing, from an anchor set at
    every play, pause, seek and speed change.
    """

    def __init__(self, start_time: int, end_time: int) -> None:
        """
        Create a paused player at the start of the recording.

        :param start_time: the recording's first log time, in nanoseconds.
        :param end_time: its last log time.
        """
        self.start_time = start_time
        self.end_time = end_time
        self.status = PlayerStatus.PAUSED
        self.speed = 1.0
        self._data_anchor = start_time
        self._wall_anchor = 0.0

    def now(self, wall: float) -> int:
        """
        Return the recording time at a wall-clock time.

        :param wall: seconds on a monotonic clock.
        :return: nanoseconds of recording time, within the recording's range.
        """
        if self.status != PlayerStatus.PLAYING:
            return self._data_anchor
        elapsed = (wall - self._wall_anchor) * self.speed * 1e9
        return min(self.end_time, self._data_anchor + int(elapsed))

    def wall_time_of(self, data_time: int) -> float:
        """
        Return when, on the wall clock, a recording time is reached while playing.

        :param data_time: nanoseconds of recording time.
        :return: seconds on the monotonic clock.
        """
        return self._wall_anchor + (data_time - self._data_anchor) / (self.speed * 1e9)

    def play(self, wall: float) -> None:
        """
        Play from where playback is (from the start again if it had ended).

        :param wall: now, on the monotonic clock.
        """
        if self.status == PlayerStatus.ENDED:
            self._data_anchor = self.start_time
        elif self.status == PlayerStatus.PLAYING:
            return
        self._wall_anchor = wall
        self.status = PlayerStatus.PLAYING

    def pause(self, wall: float) -> None:
        """
        Pause where playback is.

        :param wall: now, on the monotonic clock.
        """
        if self.status == PlayerStatus.PLAYING:
            self._data_anchor = self.now(wall)
        if self.status != PlayerStatus.ENDED:
            self.status = PlayerStatus.PAUSED

    def seek(self, data_time: int, wall: float) -> int:
        """
        Jump to a recording time (clamped to the recording's range).

        :param data_time: the wanted time, in nanoseconds.
        :param wall: now, on the monotonic clock.
        :return: the time jumped to.
        """
        self._data_anchor = max(self.start_time, min(self.end_time, data_time))
        self._wall_anchor = wall
        if self.status == PlayerStatus.ENDED:
            self.status = PlayerStatus.PAUSED
        return self._data_anchor

    def set_speed(self, speed: float, wall: float) -> float:
        """
        Change the speed, keeping the current recording time.

        :param speed: a factor of real time; clamped to 0.01-100, 1.0 if not a number.
        :param wall: now, on the monotonic clock.
        :return: the speed set.
        """
        if not math.isfinite(speed) or speed <= 0:
            speed = 1.0
        speed = max(MIN_SPEED, min(MAX_SPEED, speed))
        self._data_anchor = self.now(wall)
        self._wall_anchor = wall
        self.speed = speed
        return speed

    def end(self) -> None:
        """Mark the end of the recording reached."""
        self._data_anchor = self.end_time
        self.status = PlayerStatus.ENDED

    def state(self, wall: float) -> tuple[int, int, float]:
        """
        Return what a PlaybackState reports.

        :param wall: now, on the monotonic clock.
        :return: ``(status, current time in ns, speed)``.
        """
        return self.status, self.now(wall), self.speed
