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
A recording as the bridge's source, and played into ROS too (``playback_publish``).

Each CDR channel gets a publisher of its type, made before playing starts so that subscribers
have matched by the first message; ``/clock`` follows the played time, for nodes that run on
sim time. Used on the ROS thread.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterable

from foxglove_bridge_py.capabilities.server_time import ServerTime
from foxglove_bridge_py.config import ConfigError
from foxglove_bridge_py.core.hub import Hub
from foxglove_bridge_py.core.seams import Post
from foxglove_bridge_py.playback.recording import Recording, RecordingError
from foxglove_bridge_py.playback.source import PlaybackSource
from foxglove_bridge_py.protocol import Channel
from foxglove_bridge_py.ros.schema import import_message_type
from rclpy.node import Node


class PlayedPublishers:
    """The publishers of played channels, and of /clock."""

    def __init__(self, node: Node) -> None:
        """
        Create nothing yet: :meth:`create` does, on the ROS thread.

        :param node: the bridge's node.
        """
        self._node = node
        self._publishers: dict = {}

    def create(self, channels: Iterable[Channel]) -> None:
        """
        Create the publishers: /clock and one per CDR channel whose type is installed.

        :param channels: the recording's channels.
        """
        from rosgraph_msgs.msg import Clock

        self._publishers['/clock'] = self._node.create_publisher(Clock, '/clock', 10)
        for channel in channels:
            if channel.encoding != 'cdr':
                continue
            try:
                self._publishers[channel.id] = self._node.create_publisher(
                    import_message_type(channel.schema_name), channel.topic, 10)
            except ImportError as exc:
                self._node.get_logger().warning(
                    f'{channel.topic} is not published into ROS: {exc}')

    def publish(self, batch: list) -> None:
        """
        Publish a played batch, then the time of its last message on /clock.

        :param batch: ``(channel, log_time_ns, data)`` tuples.
        """
        from builtin_interfaces.msg import Time
        from rosgraph_msgs.msg import Clock

        for channel, _, data in batch:
            publisher = self._publishers.get(channel.id)
            if publisher is not None:
                publisher.publish(data)
        sec, nanosec = divmod(batch[-1][1], 1_000_000_000)
        self._publishers['/clock'].publish(Clock(clock=Time(sec=sec, nanosec=nanosec)))

    def destroy(self) -> None:
        """Destroy every publisher."""
        for publisher in self._publishers.values():
            self._node.destroy_publisher(publisher)
        self._publishers.clear()


def open_playback(node: Node, path: str, publish_into_ros: bool,
                  topic_allowed: Callable[[str], bool], hub: Hub, time: ServerTime,
                  call_in_ros: Post, parts: contextlib.ExitStack) -> PlaybackSource:
    """
    Open ``playback_file`` as the bridge's source; with ``playback_publish``, play it into ROS.

    :param node: the bridge's node.
    :param path: ``playback_file``: an MCAP file, or a folder of them (rosbag2).
    :param publish_into_ros: ``playback_publish``.
    :param topic_allowed: which topics become channels (``topic_whitelist``, hidden rule).
    :param hub: the protocol core.
    :param time: sends the played time to the clients.
    :param call_in_ros: runs a function on the executor thread (``Threads.call_in_ros``).
    :param parts: frees the recording and the publishers when the bridge stops.
    :return: the source, not yet playing.
    :raises ConfigError: if the recording cannot be opened.
    """
    try:
        recording = Recording(path)
    except RecordingError as exc:
        raise ConfigError(f'parameter playback_file: {exc}') from None
    parts.callback(recording.close)
    if not publish_into_ros:
        return PlaybackSource(hub, time, recording, topic_allowed)
    publishers = PlayedPublishers(node)
    parts.callback(publishers.destroy)

    def publish(batch: list[tuple[Channel, int, bytes]]) -> None:
        call_in_ros(publishers.publish, batch)

    source = PlaybackSource(hub, time, recording, topic_allowed, publish)
    call_in_ros(publishers.create, list(hub.channels.values()))
    return source
