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
The live ROS graph as a source: channels appear, messages arrive, time advances.

The same interface to the core as a recording's (``playback.source``): the core asks it to
:meth:`RosSource.start` and :meth:`RosSource.stop` sending a channel and to replay a latched
channel to a late joiner; it tells the core of graph changes, channel problems and latched
channels, and hands over messages and the clock. Used on the ROS thread only: the bridge posts
its calls with ``Threads.call_in_ros``; the events and the sink it is given post to the loop.
It is a :class:`~foxglove_bridge_py.core.seams.Source`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.seams import MessageSink, Offload, SourceEvents
from foxglove_bridge_py.protocol import Channel, StatusLevel
from foxglove_bridge_py.ros.graph import GraphSettings, GraphWatcher
from foxglove_bridge_py.ros.schema import ament_interface_reader, DefinitionBuilder
from foxglove_bridge_py.ros.topics import (subscribe_clock, SubscriptionSettings,
                                           TopicSubscriptions, TwinFeed)
from foxglove_bridge_py.twins.plan import Twin, TwinEncoder, TwinPlan, TwinSettings
from rclpy.node import Node


@dataclass(frozen=True, kw_only=True)
class SourceSettings:
    """What the live graph takes of the parameters, part by part (given by keyword)."""

    graph: GraphSettings
    subscriptions: SubscriptionSettings
    twins: TwinSettings
    services: bool
    """Watch services too (the ``services`` capability is offered)."""
    clear_session_on_clock_jump: bool


class RosSource:
    """Discovers topics, subscribes to them on demand, and forwards their messages."""

    def __init__(self, node: Node, config: SourceSettings, core: SourceEvents, sink: MessageSink,
                 *, graph_listeners: Sequence[Callable[[GraphChange], None]] = (),
                 message_info: bool = True, twin_worker: Optional[Offload] = None,
                 twin_wanted: Callable[[int], bool] = lambda channel_id: True) -> None:
        """
        Start watching the graph; the first look is :meth:`poll`.

        :param node: the bridge's node.
        :param config: the graph's, the subscriptions' and the twins' settings.
        :param core: the core's receiver of graph events, callable from this thread.
        :param sink: where messages, late joiners' replays, the ``/clock`` time and new
            sessions (a simulation restarted) are posted, in order.
        :param graph_listeners: ROS-side parts told of every graph change.
        :param message_info: ask for publisher GIDs (not with the EventsExecutor).
        :param twin_worker: the thread twins are encoded on; None: no twins.
        :param twin_wanted: tells the encoder thread whether any client could take a new frame
            of a twin now.
        """
        self._node = node
        self._config = config
        self._core = core
        self._on_replay = sink.post_replay
        self._on_time = sink.post_time
        self._new_session = sink.post_new_session
        on_message = sink.post_message
        self._graph_listeners = list(graph_listeners)
        self._last_clock: Optional[int] = None
        self.topics = TopicSubscriptions(node, config.subscriptions, on_message, self._on_problem,
                                         core.channel_latched, message_info=message_info)
        self._worker = twin_worker
        self._twin_channels: set[int] = set()
        self.twin_encoder = TwinEncoder(
            on_message, self._twin_problem,
            lambda channel_id: core.clear_channel_problems(channel_id, ('twin',)), twin_wanted)
        plan = TwinPlan(config.twins) if twin_worker is not None else None
        for warning in plan.warnings if plan is not None else ():
            node.get_logger().warning(warning)
        self._watcher = GraphWatcher(
            node, config.graph, DefinitionBuilder(ament_interface_reader()),
            self._on_graph_change, services=config.services,
            subscribed_topics=self.topics.topics, twins=plan)
        self._clock = (subscribe_clock(node, self._on_clock)
                       if config.subscriptions.use_sim_time else None)

    def poll(self) -> None:
        """Look at the graph now (a timer looks again every 0.25 s)."""
        self._watcher.poll()

    def start(self, channel: Channel) -> None:
        """
        Subscribe to a channel's topic.

        A twin channel subscribes to its source topic and sends what the encoder makes.

        :param channel: the channel.
        """
        twin = self._watcher.twin(channel.key)
        if twin is None:
            self.topics.start(channel.id, channel.topic, channel.schema_name)
            return
        self._twin_channels.add(channel.id)
        self.topics.start(channel.id, twin.source_topic, twin.source_type,
                          twin=TwinFeed(self._twin_feed(twin), twin.kind.period))

    def _twin_feed(self, twin: Twin) -> Callable[[int, int, int, bytes], None]:
        # On the ROS thread: hand the frame to the encoder thread; if the encoder is busy,
        # it replaces the frame still waiting there (newest wins).
        worker = self._worker
        if worker is None:
            raise RuntimeError('twins need the encoder thread')
        offer, encode = worker.offer, self.twin_encoder.encode

        def feed(channel_id: int, sequence: int, log_time: int, data: bytes) -> None:
            offer(channel_id, encode, twin, channel_id, sequence, log_time, data)

        return feed

    def stop(self, channel_id: int) -> None:
        """
        Drop a channel's subscription (and, for a twin, its waiting frame).

        :param channel_id: the channel.
        """
        self.topics.stop(channel_id)
        if channel_id in self._twin_channels:
            self._twin_channels.discard(channel_id)
            # Replaces the frame still waiting, if any: it is not encoded.
            if self._worker is not None:
                self._worker.offer(channel_id, self.twin_encoder.forget, channel_id)

    def _twin_problem(self, channel_id: int, message: str) -> None:
        # On the encoder thread, once per new problem of a channel.
        self._node.get_logger().warning(message)
        self._core.channel_problem(channel_id, 'twin', StatusLevel.WARNING, message)

    def replay(self, client_id: int, channel_id: int) -> None:
        """
        Hand a late joiner the kept messages of a latched channel.

        :param client_id: the client.
        :param channel_id: the channel.
        """
        messages, until = self.topics.latched(channel_id)
        self._on_replay(client_id, channel_id, messages, until)

    def destroy(self) -> None:
        """Stop watching and drop every subscription."""
        self._watcher.destroy()
        self.topics.destroy()
        if self._clock is not None:
            self._node.destroy_subscription(self._clock)

    def _on_graph_change(self, change: GraphChange) -> None:
        for listener in self._graph_listeners:
            listener(change)
        self._core.graph_changed(change)

    def _on_problem(self, channel_id: int, kind: str, message: str) -> None:
        level = StatusLevel.ERROR if kind == 'subscription' else StatusLevel.WARNING
        if level == StatusLevel.ERROR:
            self._node.get_logger().error(message)
        self._core.channel_problem(channel_id, kind, level, message)

    def _on_clock(self, timestamp_ns: int) -> None:
        # A clock that goes back is a restarted simulation: the app should start afresh.
        jumped_back = self._last_clock is not None and timestamp_ns < self._last_clock
        self._last_clock = timestamp_ns
        if jumped_back and self._config.clear_session_on_clock_jump:
            self._new_session()
        self._on_time(timestamp_ns)
