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
The ROS publishers of client channels: what the app publishes, republished into ROS.

CDR payloads are published as they are; JSON ones are converted to the message type first.
Used on the ROS thread.
"""

from __future__ import annotations

from typing import Callable

from foxglove_bridge_py.protocol import parse_json, ProtocolError
from foxglove_bridge_py.ros.schema import import_message_type, normalize_type_name
from foxglove_bridge_py.ros_rules.message_json import JsonConversionError, message_from_json
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

ClientErrorSink = Callable[[int, int, str], None]
"""Receives ``(client_id, channel_id, message)`` about a client channel's failure."""


class ClientPublishers:
    """ROS publishers for the channels clients advertise; used on the ROS thread."""

    def __init__(self, node: Node, on_create_error: ClientErrorSink,
                 on_publish_error: ClientErrorSink) -> None:
        """
        Create the manager.

        :param node: the bridge's node.
        :param on_create_error: receives failures to create a publisher.
        :param on_publish_error: receives messages that could not be published (bad JSON).
        """
        self._node = node
        self._on_error = on_create_error
        self._on_publish_error = on_publish_error
        self._publishers: dict[tuple[int, int], tuple[Publisher, type, str]] = {}

    def create(self, client_id: int, channel_id: int, topic: str, schema_name: str,
               encoding: str = 'cdr') -> None:
        """
        Create the publisher of a client channel, with the QoS of the topic's publishers.

        :param client_id: the client.
        :param channel_id: the client's channel id.
        :param topic: the topic to publish on.
        :param schema_name: the message type, ``pkg/msg/Type`` or ``pkg/Type``.
        :param encoding: ``cdr`` (published as it is) or ``json`` (converted first).
        """
        def fail(reason: str) -> None:
            message = (f'Cannot advertise channel {channel_id} on {topic} with type '
                       f'{schema_name}: {reason}')
            self._node.get_logger().error(message)
            self._on_error(client_id, channel_id, message)

        try:
            type_name = normalize_type_name(schema_name)
        except ValueError:
            return fail('not a ROS message type name (expected pkg/msg/Type)')
        full_topic = topic if topic.startswith('/') else '/' + topic
        existing = dict(self._node.get_topic_names_and_types()).get(full_topic, [])
        if existing and type_name not in existing:
            return fail(f'the topic already has type {", ".join(existing)}')
        try:
            msg_type = import_message_type(type_name)
        except ImportError as exc:
            return fail(f'unknown message type ({exc})')
        try:
            publisher = self._node.create_publisher(msg_type, topic, self._qos(full_topic))
        except Exception as exc:  # noqa: B902 - rclpy raises several unrelated types here
            return fail(str(exc))
        self._publishers[(client_id, channel_id)] = (publisher, msg_type, encoding)

    def _qos(self, topic: str) -> QoSProfile:
        # Match the topic's existing publishers, so its subscribers get what they expect; keep
        # every unacknowledged message when reliable, so that a burst from the app is not
        # overwritten before a slower subscriber has it.
        own = self._node.get_name()
        reliability, durability = ReliabilityPolicy.RELIABLE, DurabilityPolicy.VOLATILE
        for info in self._node.get_publishers_info_by_topic(topic):
            if info.node_name != own:
                reliability = info.qos_profile.reliability
                durability = info.qos_profile.durability
                break
        if reliability == ReliabilityPolicy.BEST_EFFORT:
            return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                              reliability=reliability, durability=durability)
        return QoSProfile(history=HistoryPolicy.KEEP_ALL, reliability=reliability,
                          durability=durability)

    def publish(self, client_id: int, channel_id: int, payload: bytes) -> None:
        """
        Publish a client's message: CDR bytes as they are, JSON converted to the message type.

        :param client_id: the client.
        :param channel_id: the client's channel id.
        :param payload: the serialized message.
        """
        entry = self._publishers.get((client_id, channel_id))
        if entry is None:
            return
        publisher, msg_type, encoding = entry
        if encoding == 'cdr':
            publisher.publish(payload)
            return
        try:
            value = parse_json(payload)
            publisher.publish(message_from_json(msg_type, value))
        except (ProtocolError, JsonConversionError) as exc:
            self._on_publish_error(client_id, channel_id, f'Cannot publish on client channel '
                                   f'{channel_id} ({publisher.topic_name}): {exc}')

    def destroy(self, client_id: int, channel_id: int) -> None:
        """
        Destroy a client channel's publisher.

        :param client_id: the client.
        :param channel_id: the client's channel id.
        """
        entry = self._publishers.pop((client_id, channel_id), None)
        if entry is not None:
            self._node.destroy_publisher(entry[0])

    def destroy_all(self) -> None:
        """Destroy every client publisher."""
        for key in list(self._publishers):
            self.destroy(*key)
