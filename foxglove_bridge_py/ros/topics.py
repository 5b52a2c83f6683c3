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
Topic subscriptions: one ``raw=True`` subscription per channel, shared by all its clients.

Messages arrive as CDR bytes and are handed on untouched with a sequence number and a receive
time. For transient_local topics the latest messages of each publisher are kept, so a client
that subscribes later than the first one still gets what DDS replayed to the first.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
import itertools
import re
import struct
import time
from typing import Callable, Hashable, Optional, Union

from foxglove_bridge_py.ros.schema import import_message_type
from foxglove_bridge_py.ros_rules.names import matches_any
from foxglove_bridge_py.ros_rules.qos import choose_qos, PublisherQos, QosChoice
from foxglove_bridge_py.ros_rules.throttle import Throttle
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.subscription import Subscription
from rclpy.timer import Timer

OnMessage = Callable[[int, int, int, bytes], None]
"""Receives ``(channel_id, sequence, log_time_ns, payload)`` on the ROS thread: the source's
``post_message`` (``core.seams.MessageSink``), or a twin's encoder."""
RawCallback = Union[Callable[[bytes], None], Callable[[bytes, dict[str, object]], None]]
"""A raw subscription's callback: the CDR bytes, and the MessageInfo where it is asked for."""


@dataclass(frozen=True)
class TwinFeed:
    """Where a twin channel's source messages go (the encoder), and how often at most."""

    on_message: OnMessage
    period: float


ProblemSink = Callable[[int, str, str], None]
"""Receives ``(channel_id, kind, message)``: a ``subscription`` error or a ``qos`` warning."""

# rclpy passes MessageInfo to two-argument callbacks from Jazzy on, with the publisher's GID from
# Kilted on; without the GID the cache keeps the latest messages of all publishers together.
_HAS_MESSAGE_INFO = hasattr(Subscription, 'CallbackType')


_CDR_LITTLE_ENDIAN = 1
_CLOCK_LE = struct.Struct('<iI')
_CLOCK_BE = struct.Struct('>iI')


def clock_nanoseconds(data: bytes) -> int:
    """
    Read the time from a CDR-serialized rosgraph_msgs/msg/Clock without deserializing it.

    :param data: the message bytes: a 4-byte encapsulation header, then ``int32 sec`` and
        ``uint32 nanosec``.
    :return: the time in nanoseconds (0 if the message is too short).
    """
    if len(data) < 12:
        return 0
    layout = _CLOCK_LE if data[1] == _CDR_LITTLE_ENDIAN else _CLOCK_BE
    sec, nanosec = layout.unpack_from(data, 4)
    return max(0, sec * 1_000_000_000 + nanosec)


def subscribe_clock(node: Node, on_time: Callable[[int], None]) -> Subscription:
    """
    Subscribe to /clock (best effort, depth 1, as the C++ bridge does) and report each time.

    :param node: the bridge's node.
    :param on_time: receives every clock value in nanoseconds, on the ROS thread.
    :return: the subscription.
    """
    from rosgraph_msgs.msg import Clock

    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                     reliability=ReliabilityPolicy.BEST_EFFORT)
    return node.create_subscription(Clock, '/clock', lambda data: on_time(
        clock_nanoseconds(data)), qos, raw=True)


DiagnosticsSink = Callable[[list[tuple[str, int, str]]], None]
"""Receives ``(name, level, message)`` for each entry of a /diagnostics array."""


def subscribe_diagnostics(node: Node, on_entries: DiagnosticsSink) -> Optional[Subscription]:
    """
    Subscribe to /diagnostics and report its entries; None if diagnostic_msgs is missing.

    :param node: the bridge's node.
    :param on_entries: receives the entries of every array, on the ROS thread.
    :return: the subscription, or None.
    """
    try:
        from diagnostic_msgs.msg import DiagnosticArray
    except ImportError:
        node.get_logger().warning('diagnostic_msgs is not installed: /diagnostics is not '
                                  'shown as statuses')
        return None

    def on_array(array: DiagnosticArray) -> None:
        on_entries([(s.name, int.from_bytes(s.level, 'little') if isinstance(s.level, bytes)
                     else int(s.level), s.message) for s in array.status])

    return node.create_subscription(DiagnosticArray, '/diagnostics', on_array, 10)


class LatchedCache:
    """The latest messages of each publisher on a transient_local topic."""

    def __init__(self, per_publisher: int, total: int) -> None:
        """
        Create a cache.

        :param per_publisher: messages kept per publisher.
        :param total: messages kept in all when rclpy does not tell publishers apart.
        """
        self._depth = max(1, per_publisher)
        self._total = max(1, total)
        self._by_publisher: dict[Hashable, collections.deque[tuple[int, int, bytes]]] = {}

    def add(self, publisher: Hashable, entry: tuple[int, int, bytes]) -> None:
        """
        Keep a message.

        :param publisher: the publisher's GID, or None when rclpy does not report it.
        :param entry: ``(sequence, log_time_ns, payload)``.
        """
        kept = self._by_publisher.get(publisher)
        if kept is None:
            depth = self._total if publisher is None else self._depth
            kept = self._by_publisher[publisher] = collections.deque(maxlen=depth)
        kept.append(entry)

    def snapshot(self) -> list[tuple[int, int, bytes]]:
        """
        Return every kept message, in arrival order.

        :return: ``(sequence, log_time_ns, payload)`` tuples.
        """
        entries = [e for kept in self._by_publisher.values() for e in kept]
        entries.sort(key=lambda e: e[0])
        return entries


MIN_TIMER_NS = 1_000_000
"""The shortest wait a throttle's timer is armed for."""
TYPE_CLASH_RETRIES = 8
TYPE_CLASH_RETRY_PERIOD = 0.25
"""Seconds between tries to subscribe to a topic whose old type the middleware still holds: the
bridge's own subscription of the old type is destroyed only once the executor lets go of it,
and until then DDS refuses the new type on the topic."""


@dataclass(frozen=True, kw_only=True)
class SubscriptionSettings:
    """What the subscriptions take of the parameters, each field named as its parameter."""

    use_sim_time: bool
    min_qos_depth: int
    max_qos_depth: int
    best_effort_qos_topic_whitelist: tuple[re.Pattern[str], ...]
    throttle_period: Callable[[str], float]
    """Seconds between two messages of a topic (``topic_throttle_patterns``); 0: all."""


class TopicSubscriptions:
    """Creates and destroys the bridge's topic subscriptions; used on the ROS thread."""

    def __init__(self, node: Node, config: SubscriptionSettings, on_message: OnMessage,
                 on_problem: ProblemSink, on_latched: Callable[[int], None] = lambda _: None,
                 *, message_info: bool = _HAS_MESSAGE_INFO) -> None:
        """
        Create the manager.

        :param node: the bridge's node.
        :param config: QoS bounds, the best-effort whitelist, the throttle, sim time.
        :param on_message: receives every message.
        :param on_problem: receives subscription failures and QoS warnings.
        :param on_latched: told of a channel whose messages are kept for late joiners.
        :param message_info: ask for MessageInfo (publisher GIDs) on latched topics; the
            EventsExecutor cannot deliver it.
        """
        self._message_info = message_info and _HAS_MESSAGE_INFO
        self._node = node
        self._config = config
        self._on_message = on_message
        self._on_problem = on_problem
        self._on_latched = on_latched
        self._subscriptions: dict[int, Subscription] = {}
        self._caches: dict[int, LatchedCache] = {}
        self._retries: dict[int, Timer] = {}
        self._timers: dict[int, Timer] = {}
        self._sequence = itertools.count(1)
        self._sim_clock = node.get_clock() if config.use_sim_time else None

    def now_ns(self) -> int:
        """
        Return the log time for a message received now, from the node's clock.

        :return: nanoseconds (sim time when use_sim_time is set).
        """
        if self._sim_clock is not None:
            return self._sim_clock.now().nanoseconds
        return time.time_ns()

    def start(self, channel_id: int, topic: str, type_name: str, attempt: int = 0,
              twin: Optional[TwinFeed] = None) -> None:
        """
        Subscribe to a channel's topic with QoS that matches its publishers.

        :param channel_id: the channel.
        :param topic: the topic.
        :param type_name: the message type.
        :param attempt: how many times this subscription was tried before.
        :param twin: for a twin channel, where its source messages go instead, and how often.
        """
        if channel_id in self._subscriptions:
            return
        try:
            msg_type = import_message_type(type_name)
        except ImportError as exc:
            self._on_problem(channel_id, 'subscription', f'Cannot subscribe to {topic}: message '
                             f'type {type_name} is not installed for Python ({exc})')
            return
        publishers = self._node.get_publishers_info_by_topic(topic)
        choice = self._choose_qos(channel_id, topic, publishers)
        qos = QoSProfile(
            history=HistoryPolicy.KEEP_LAST, depth=choice.depth,
            reliability=(ReliabilityPolicy.RELIABLE if choice.reliable
                         else ReliabilityPolicy.BEST_EFFORT),
            durability=(DurabilityPolicy.TRANSIENT_LOCAL if choice.transient_local
                        else DurabilityPolicy.VOLATILE))
        callback = (self._twin_callback(channel_id, twin) if twin is not None
                    else self._choose_callback(channel_id, topic, choice, publishers))
        try:
            self._subscriptions[channel_id] = self._node.create_subscription(
                msg_type, topic, callback, qos, raw=True)
        except Exception as exc:  # noqa: B902 - rclpy raises several unrelated types here
            self._caches.pop(channel_id, None)
            timer = self._timers.pop(channel_id, None)
            if timer is not None:
                self._node.destroy_timer(timer)
            if 'incompatible type' in str(exc) and attempt < TYPE_CLASH_RETRIES:
                self._retry_later(channel_id, topic, type_name, attempt + 1, twin)
                return
            self._on_problem(channel_id, 'subscription',
                             f'Cannot subscribe to {topic} ({type_name}): {exc}')
            return
        if channel_id in self._caches:
            self._on_latched(channel_id)

    def _choose_qos(self, channel_id: int, topic: str, publishers: list) -> QosChoice:
        # A twin's source is subscribed like the raw topic: with a depth of 1, Fast DDS loses
        # most large frames (their fragments are dropped when the next one starts arriving).
        choice = choose_qos(
            [PublisherQos(p.qos_profile.reliability == ReliabilityPolicy.RELIABLE,
                          p.qos_profile.durability == DurabilityPolicy.TRANSIENT_LOCAL,
                          p.qos_profile.depth) for p in publishers],
            min_depth=self._config.min_qos_depth, max_depth=self._config.max_qos_depth,
            force_best_effort=matches_any(self._config.best_effort_qos_topic_whitelist, topic))
        if choice.warnings:
            text = f'{topic}: {"; ".join(choice.warnings)}'
            self._node.get_logger().warning(text)
            self._on_problem(channel_id, 'qos', text)
        return choice

    def _choose_callback(self, channel_id: int, topic: str, choice: QosChoice, publishers: list
                         ) -> RawCallback:
        # Latched topics keep their messages for late joiners and are never throttled.
        if choice.transient_local:
            per_publisher = max((max(1, p.qos_profile.depth) for p in publishers), default=1)
            cache = self._caches[channel_id] = LatchedCache(per_publisher, choice.depth)
            return self._latched_callback(channel_id, cache)
        period = self._config.throttle_period(topic)
        if period > 0:
            return self._throttled_callback(channel_id, period)
        return self._callback(channel_id)

    def _twin_callback(self, channel_id: int, twin: TwinFeed) -> Callable[[bytes], None]:
        # A twin's source is never kept for late joiners: a replay would be raw bytes.
        if twin.period > 0:
            return self._throttled_callback(channel_id, twin.period, twin.on_message)
        return self._callback(channel_id, twin.on_message)

    def _retry_later(self, channel_id: int, topic: str, type_name: str, attempt: int,
                     twin: Optional[TwinFeed]) -> None:
        def retry() -> None:
            timer = self._retries.pop(channel_id, None)
            if timer is None:
                return  # stopped meanwhile
            self._node.destroy_timer(timer)
            self.start(channel_id, topic, type_name, attempt, twin)

        self._retries[channel_id] = self._node.create_timer(
            TYPE_CLASH_RETRY_PERIOD, retry, clock=Clock(clock_type=ClockType.STEADY_TIME))

    def _callback(self, channel_id: int, sink: Optional[OnMessage] = None
                  ) -> Callable[[bytes], None]:
        sink = sink or self._on_message
        sequence = self._sequence
        # Called for every message: the wall clock directly, unless time is simulated.
        now_ns = self.now_ns if self._sim_clock is not None else time.time_ns

        def on_message(data: bytes) -> None:
            sink(channel_id, next(sequence), now_ns(), data)

        return on_message

    def _throttled_callback(self, channel_id: int, period: float,
                            sink: Optional[OnMessage] = None) -> Callable[[bytes], None]:
        # Newest wins within each period: a waiting message goes when a timer, armed only
        # while something waits, fires at the moment the period since the last one ends (a
        # timer left at a fixed phase would hold a message arriving just after a tick for a
        # whole period, and lose it to the next).
        sink = sink or self._on_message
        sequence = self._sequence
        now_ns = self.now_ns
        throttle: Throttle[tuple[int, bytes]] = Throttle(period)

        def arm(now: float) -> None:
            timer.timer_period_ns = max(MIN_TIMER_NS, int(throttle.remaining(now) * 1e9))
            timer.reset()

        def tick() -> None:
            now = time.monotonic()
            waiting = throttle.due(now)
            if waiting is not None:
                sink(channel_id, next(sequence), *waiting)
            if throttle.pending is None:
                timer.cancel()
            else:
                arm(now)  # fired early: wait the rest

        timer = self._timers[channel_id] = self._node.create_timer(
            period, tick, clock=Clock(clock_type=ClockType.STEADY_TIME))
        timer.cancel()

        def on_message(data: bytes) -> None:
            stamped = (now_ns(), data)
            now = time.monotonic()
            if throttle.offer(stamped, now):
                sink(channel_id, next(sequence), *stamped)
            elif timer.is_canceled():
                arm(now)

        return on_message

    def _latched_callback(self, channel_id: int, cache: LatchedCache) -> RawCallback:
        sink = self._on_message
        sequence = self._sequence
        now_ns = self.now_ns

        def keep(data: bytes, publisher: Hashable) -> None:
            entry = (next(sequence), now_ns(), data)
            cache.add(publisher, entry)
            sink(channel_id, *entry)

        if self._message_info:
            def on_message_info(data: bytes, info: dict[str, object]) -> None:
                gid = info.get('publisher_gid')
                keep(data, None if gid is None else repr(gid))
            return on_message_info

        def on_message(data: bytes) -> None:
            keep(data, None)
        return on_message

    def latched(self, channel_id: int) -> tuple[list[tuple[int, int, bytes]], int]:
        """
        Return the kept messages of a transient_local channel, for a late joiner.

        :param channel_id: the channel.
        :return: ``(sequence, log_time_ns, payload)`` tuples, oldest first, and the last
            sequence number given out so far: later messages are not among them.
        """
        cache = self._caches.get(channel_id)
        until = next(self._sequence)
        return (cache.snapshot() if cache is not None else []), until

    def stop(self, channel_id: int) -> None:
        """
        Drop a channel's subscription.

        :param channel_id: the channel.
        """
        self._caches.pop(channel_id, None)
        for timers in (self._retries, self._timers):
            timer = timers.pop(channel_id, None)
            if timer is not None:
                self._node.destroy_timer(timer)
        subscription = self._subscriptions.pop(channel_id, None)
        if subscription is not None:
            self._node.destroy_subscription(subscription)

    def topics(self) -> set[str]:
        """
        List the topics the bridge subscribes to.

        :return: topic names.
        """
        return {s.topic_name for s in self._subscriptions.values()}

    def destroy(self) -> None:
        """Drop every subscription and every pending retry."""
        for channel_id in list(self._subscriptions) + list(self._retries):
            self.stop(channel_id)
