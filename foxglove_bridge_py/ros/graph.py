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

rclpy has no graph-change event, so a timer compares the graph with what was last reported. The
timers run on the steady clock: on the ROS clock, with ``use_sim_time`` and no ``/clock`` yet (a
paused simulation, a bag not yet playing), they would never fire and discovery would stop.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Callable, Iterable, Optional

from foxglove_bridge_py.capabilities.connection_graph import ConnectionGraph
from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.protocol import Channel, Service
from foxglove_bridge_py.ros.schema import DefinitionBuilder
from foxglove_bridge_py.ros_rules.names import is_hidden, matches_any
from foxglove_bridge_py.twins.plan import Twin, TwinPlan
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.timer import Timer

GRAPH_POLL_PERIOD = 0.25
"""Seconds between two looks at the graph: a new topic is advertised well within a second."""
CONNECTION_GRAPH_PERIOD = 1.0
"""Seconds between two full reads of the connection graph while a client is subscribed."""


def steady_timer(node: Node, period: float, callback: Callable[[], None]) -> Timer:
    """
    Create a timer on the steady clock, which runs whatever ``use_sim_time`` says.

    :param node: the node that owns it.
    :param period: seconds between calls.
    :param callback: what to call.
    :return: the timer.
    """
    return node.create_timer(period, callback, clock=Clock(clock_type=ClockType.STEADY_TIME))


@dataclass(frozen=True, kw_only=True)
class GraphSettings:
    """What the graph's readers take of the parameters, each field named as its parameter."""

    topic_whitelist: tuple[re.Pattern[str], ...]
    service_whitelist: tuple[re.Pattern[str], ...]
    include_hidden: bool

    def topic_allowed(self, topic: str) -> bool:
        """
        Tell whether a topic may be advertised (whitelist and hidden rule).

        :param topic: a fully qualified topic name.
        :return: True if it may.
        """
        return (self.include_hidden or not is_hidden(topic)) and matches_any(
            self.topic_whitelist, topic)


class GraphWatcher:
    """Reports channels to add and remove as topics appear on and vanish from the graph."""

    def __init__(self, node: Node, config: GraphSettings, definitions: DefinitionBuilder,
                 on_change: Callable[[GraphChange], None], *, services: bool = False,
                 subscribed_topics: Callable[[], Iterable[str]] = tuple,
                 twins: Optional[TwinPlan] = None) -> None:
        """
        Start watching; the first report comes from :meth:`poll`, then from a timer.

        :param node: the bridge's node.
        :param config: whitelists and the hidden rule.
        :param definitions: builds each new type's schema.
        :param on_change: called with what changed, when something did.
        :param services: also watch services.
        :param subscribed_topics: the topics the bridge itself subscribes to.
        :param twins: which advertised topics also get a twin channel.
        """
        self._subscribed_topics = subscribed_topics
        self._node = node
        self._config = config
        self._definitions = definitions
        self._on_change = on_change
        self._known: dict[tuple[str, str], Channel] = {}
        self._known_services: dict[str, Service] = {}
        self._watch_services = services
        self._warned_types: set[str] = set()
        self._plan = twins
        self._twins: dict[tuple[str, str], Twin] = {}
        self._timer = steady_timer(node, GRAPH_POLL_PERIOD, self.poll)

    def destroy(self) -> None:
        """Stop watching."""
        self._node.destroy_timer(self._timer)

    def poll(self) -> None:
        """Compare the graph with the last report and report any difference."""
        current = self._current_channels()
        change = GraphChange(
            added_channels=[self._spec(key) for key in sorted(current - self._known.keys())],
            removed_channels=sorted(self._known.keys() - current))
        for spec in change.added_channels:
            self._known[spec.key] = spec
        for key in change.removed_channels:
            del self._known[key]
        if self._watch_services:
            self._poll_services(change)
        if change:
            self._on_change(change)

    def _current_channels(self) -> set[tuple[str, str]]:
        current: set[tuple[str, str]] = set()
        subscribed = None
        for topic, types in self._node.get_topic_names_and_types():
            if not self._config.topic_allowed(topic):
                continue
            if len(types) > 1:
                if subscribed is None:
                    subscribed = set(self._subscribed_topics())
                if topic in subscribed:
                    types = self._types_of_others(topic)
            current.update((topic, type_name) for type_name in types)
        if self._plan is not None:
            self._twins = self._plan.twins(current)
            current.update(self._twins)
        return current

    def twin(self, key: tuple[str, str]) -> Optional[Twin]:
        """
        Tell whether an advertised channel is a twin, and of what.

        :param key: the channel's ``(topic, schema name)``.
        :return: the twin, or None for a channel of a real topic.
        """
        return self._twins.get(key)

    def _types_of_others(self, topic: str) -> set[str]:
        # The bridge's own subscription keeps its type on the graph after every publisher of
        # that type has gone (a topic whose type changed): only others' endpoints count, so the
        # old channel is removed, its subscription dropped, and the new type can be subscribed.
        node = self._node
        own = (node.get_name(), node.get_namespace())
        types = {i.topic_type for i in node.get_publishers_info_by_topic(topic)}
        types.update(i.topic_type for i in node.get_subscriptions_info_by_topic(topic)
                     if (i.node_name, i.node_namespace) != own)
        return types

    def _poll_services(self, change: GraphChange) -> None:
        config = self._config
        current = {}
        for name, types in self._node.get_service_names_and_types():
            if not types or (not config.include_hidden and is_hidden(name)):
                continue
            if matches_any(config.service_whitelist, name):
                current[name] = types[0]
        for name in sorted(current.keys() - self._known_services.keys()):
            spec = self._service_spec(name, current[name])
            self._known_services[name] = spec
            change.added_services.append(spec)
        for name in sorted(self._known_services.keys() - current.keys()):
            del self._known_services[name]
            change.removed_services.append(name)

    def _service_spec(self, name: str, type_name: str) -> Service:
        request = self._definitions.get(type_name + '_Request')
        response = self._definitions.get(type_name + '_Response')
        if request is None or response is None:
            return Service(0, name, type_name)
        return Service(0, name, type_name, request.text, response.text, request.encoding)

    def _spec(self, key: tuple[str, str]) -> Channel:
        topic, type_name = key
        definition = self._definitions.get(type_name)
        twin = self._twins.get(key)
        # A twin frame waiting is made stale by the next one, where each stands alone.
        newest_only = twin is not None and twin.kind.stands_alone
        if definition is None and twin is not None and twin.kind.definition:
            return Channel(0, topic, 'cdr', type_name, twin.kind.definition, 'ros2msg',
                           newest_only)
        if definition is None:
            if type_name not in self._warned_types:
                self._warned_types.add(type_name)
                self._node.get_logger().warning(
                    f'no message definition found for {type_name} (topic {topic}): '
                    'advertising it without a schema')
            return Channel(0, topic, 'cdr', type_name, '', None)
        return Channel(0, topic, 'cdr', type_name, definition.text, definition.encoding,
                       newest_only)


def node_id(name: str, namespace: str) -> str:
    """
    Give a node's fully qualified name, its id in the connection graph.

    :param name: the node's name.
    :param namespace: its namespace.
    :return: e.g. ``/robot/driver``.
    """
    return f'{namespace.rstrip("/")}/{name}'


def read_connection_graph(node: Node, config: GraphSettings) -> ConnectionGraph:
    """
    Read who publishes, subscribes to and provides what, as the C++ bridge reports it.

    Topics are filtered by ``topic_whitelist`` and services by ``service_whitelist`` only
    (hidden ones are included); ids are the nodes' fully qualified names.

    :param node: the bridge's node.
    :param config: the whitelists.
    :return: the graph.
    """
    published, subscribed, services = {}, {}, {}
    for topic, _ in node.get_topic_names_and_types():
        if not matches_any(config.topic_whitelist, topic):
            continue
        publishers = {node_id(i.node_name, i.node_namespace)
                      for i in node.get_publishers_info_by_topic(topic)}
        subscribers = {node_id(i.node_name, i.node_namespace)
                       for i in node.get_subscriptions_info_by_topic(topic)}
        if publishers:
            published[topic] = tuple(sorted(publishers))
        if subscribers:
            subscribed[topic] = tuple(sorted(subscribers))
    providers: dict[str, set] = {}
    for name, namespace in node.get_node_names_and_namespaces():
        try:
            offered = node.get_service_names_and_types_by_node(name, namespace)
        except Exception:  # noqa: B902 - the node left between the two calls
            continue
        for service, _ in offered:
            if matches_any(config.service_whitelist, service):
                providers.setdefault(service, set()).add(node_id(name, namespace))
    services = {s: tuple(sorted(ids)) for s, ids in providers.items()}
    return ConnectionGraph(published, subscribed, services)


def parameter_nodes(node: Node) -> list[str]:
    """
    List the nodes that serve parameters (list, get and set).

    :param node: the bridge's node.
    :return: their fully qualified names.
    """
    services = {name for name, _ in node.get_service_names_and_types()}
    found = []
    for name, namespace in node.get_node_names_and_namespaces():
        full = node_id(name, namespace)
        if all(f'{full}/{s}' in services for s in (
                'list_parameters', 'get_parameters', 'set_parameters')):
            found.append(full)
    return found


class ConnectionGraphReader:
    """Reads the connection graph now and then while a client watches it; ROS thread."""

    def __init__(self, node: Node, config: GraphSettings,
                 on_graph: Callable[[ConnectionGraph], None]) -> None:
        """
        Start unwatched: nothing is read until :meth:`watch`.

        :param node: the bridge's node.
        :param config: the whitelists.
        :param on_graph: receives each graph read.
        """
        self._node = node
        self._config = config
        self._on_graph = on_graph
        self._watched = False
        self._timer = steady_timer(node, CONNECTION_GRAPH_PERIOD, self._read_if_watched)

    def watch(self, watched: bool) -> None:
        """
        Start or stop reading; a start (a new subscriber) reads at once.

        :param watched: whether any client is subscribed.
        """
        self._watched = watched
        self._read_if_watched()

    def graph_changed(self) -> None:
        """Read at once: topics or services came or went."""
        self._read_if_watched()

    def _read_if_watched(self) -> None:
        if self._watched:
            self._on_graph(read_connection_graph(self._node, self._config))

    def destroy(self) -> None:
        """Stop the timer."""
        self._node.destroy_timer(self._timer)
