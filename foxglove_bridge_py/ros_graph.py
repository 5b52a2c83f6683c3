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
Topic discovery: poll the ROS graph and report the (topic, type) pairs that came and went.

rclpy has no graph-change event, so a timer compares the graph with what was last reported.
"""

from __future__ import annotations

from typing import Callable, Optional

from foxglove_bridge_py.config import BridgeConfig
from foxglove_bridge_py.schema import DefinitionBuilder
from foxglove_bridge_py.session import ChannelSpec
from rclpy.node import Node

GRAPH_POLL_PERIOD = 0.25
"""Seconds between two looks at the graph: a new topic is advertised well within a second."""

GraphChange = Callable[[list[ChannelSpec], list[tuple[str, str]]], None]


class GraphWatcher:
    """Reports channels to add and remove as topics appear on and vanish from the graph."""

    def __init__(self, node: Node, config: BridgeConfig, definitions: DefinitionBuilder,
                 on_change: GraphChange, *, exclude: Optional[set] = None) -> None:
        """
        Start watching; the first report comes from :meth:`poll`, then from a timer.

        :param node: the bridge's node.
        :param config: whitelists and the hidden rule.
        :param definitions: builds each new type's schema.
        :param on_change: called with (added specs, removed keys) when the graph changed.
        :param exclude: topics never to advertise.
        """
        self._node = node
        self._config = config
        self._definitions = definitions
        self._on_change = on_change
        self._exclude = exclude or set()
        self._known: dict[tuple[str, str], ChannelSpec] = {}
        self._warned_types: set[str] = set()
        self._timer = node.create_timer(GRAPH_POLL_PERIOD, self.poll)

    def destroy(self) -> None:
        """Stop watching."""
        self._node.destroy_timer(self._timer)

    def poll(self) -> None:
        """Compare the graph with the last report and report any difference."""
        current = set()
        for topic, types in self._node.get_topic_names_and_types():
            if topic in self._exclude or not self._config.topic_allowed(topic):
                continue
            for type_name in types:
                current.add((topic, type_name))
        added = [self._spec(key) for key in sorted(current - self._known.keys())]
        removed = sorted(self._known.keys() - current)
        if not added and not removed:
            return
        for spec in added:
            self._known[spec.key] = spec
        for key in removed:
            del self._known[key]
        self._on_change(added, removed)

    def _spec(self, key: tuple[str, str]) -> ChannelSpec:
        topic, type_name = key
        definition = self._definitions.get(type_name)
        if definition is None:
            if type_name not in self._warned_types:
                self._warned_types.add(type_name)
                self._node.get_logger().warning(
                    f'no message definition found for {type_name} (topic {topic}): '
                    'advertising it without a schema')
            return ChannelSpec(topic, type_name, '', None)
        return ChannelSpec(topic, type_name, definition.text, definition.encoding)
