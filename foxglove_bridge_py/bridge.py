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
The glue between the ROS side and the WebSocket side, and the only module aware of two threads.

rclpy callbacks run on the executor thread; the server and the :class:`Hub` live on the asyncio
loop. Work crosses from ROS to the loop with ``call_soon_threadsafe`` (messages in batches, one
wake-up per batch), and from the loop to ROS through a queue drained by a guard condition on
the executor thread.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import ssl
import threading
import time
import traceback
from typing import Callable, Iterable, Optional

from foxglove_bridge_py import __version__
from foxglove_bridge_py import assets
from foxglove_bridge_py.config import BridgeConfig, ConfigError, matches_any
from foxglove_bridge_py.playback import Recording, RecordingError
from foxglove_bridge_py.playback_runner import PlaybackRunner
from foxglove_bridge_py.protocol import Capability, StatusLevel
from foxglove_bridge_py.ros_distro import ros_distro
from foxglove_bridge_py.ros_graph import (CONNECTION_GRAPH_PERIOD, GraphChange, GraphWatcher,
                                          read_connection_graph, steady_timer)
from foxglove_bridge_py.ros_params import event_parameters, ParameterAccess
from foxglove_bridge_py.ros_services import ServiceCaller
from foxglove_bridge_py.ros_topics import (ClientPublishers, subscribe_clock,
                                           subscribe_diagnostics, TopicSubscriptions)
from foxglove_bridge_py.schema import ament_interface_reader, DefinitionBuilder
from foxglove_bridge_py.server import FoxgloveServer
from foxglove_bridge_py.session import (CallService, CreatePublisher, DestroyPublisher, Effect,
                                        FetchAsset, GetParams, Hub, PlaybackControl,
                                        PublishMessage, RefreshGraph, ReplayLatched, SetParams,
                                        StartSubscription, StopSubscription)
from rcl_interfaces.msg import ParameterDescriptor, ParameterEvent
from rclpy.executors import Executor, ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile

SHUTDOWN_TIMEOUT = 2.0
CLIENT_COUNT_TOPIC = '/foxglove_bridge/client_count'
"""Where ``publish_client_count`` publishes, as the C++ bridge does."""
SERVICE_READY_POLL = 0.02
"""Seconds between two checks that a just-created service client has found its server."""
BUSY_WINDOW = 0.002
"""Seconds since the last hand-off under which messages count as a stream and are batched."""
COALESCE_DELAY = 0.0005
"""Seconds a hand-off waits, under a stream of messages, for more to join it."""
SPIN_TIMEOUT = 0.5
"""Seconds the executor waits for work before it checks whether to stop."""
ASSET_ROOM_POLL = 1.0
"""Seconds between checks that a client waiting for room for an asset is still there."""


def make_ssl_context(config: BridgeConfig) -> Optional[ssl.SSLContext]:
    """
    Build the TLS context for ``tls:=true``.

    :param config: the bridge's config.
    :return: the context, or None without TLS.
    :raises ConfigError: if the certificate or key cannot be loaded.
    """
    if not config.tls:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(config.certfile, config.keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f'parameters certfile/keyfile: cannot load {config.certfile!r} and '
                          f'{config.keyfile!r}: {exc}') from None
    return context


def make_executor(context) -> Executor:
    """
    Return the fastest executor this rclpy has that works here.

    rclpy's EventsExecutor (Jazzy on) dispatches from a C++ event queue instead of rebuilding
    a wait set for every message, which makes many small messages several times cheaper.
    Humble has only the SingleThreadedExecutor. ``FOXGLOVE_BRIDGE_EXECUTOR=single`` forces
    the latter.

    :param context: the rclpy context.
    :return: the executor.
    """
    if os.environ.get('FOXGLOVE_BRIDGE_EXECUTOR', 'events') == 'events':
        try:
            from rclpy.experimental import EventsExecutor
        except ImportError:
            pass
        else:
            return EventsExecutor(context=context)
    return SingleThreadedExecutor(context=context)


def _settle(future: asyncio.Future, result, exception: Optional[BaseException]) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)


class Bridge:
    """Runs one bridge: the ROS executor thread, the server, and the traffic between them."""

    def __init__(self, node: Node, config: BridgeConfig, *,
                 extra_nodes: Iterable[Node] = ()) -> None:
        """
        Prepare a bridge; :meth:`run` starts it.

        :param node: the bridge's node.
        :param config: its settings.
        :param extra_nodes: more nodes to spin on the same executor (the demo publisher).
        """
        self.node = node
        self.config = config
        self._extra_nodes = list(extra_nodes)
        self._log = node.get_logger()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._pending: list = []
        self._pending_time: Optional[int] = None
        self._last_flush = 0.0
        self._pending_session: Optional[str] = None
        self._last_clock: Optional[int] = None
        self._last_session_ms = 0
        self._pending_lock = threading.Lock()
        self._flush_scheduled = False
        self._ros_calls: collections.deque = collections.deque()
        self._executor: Optional[Executor] = None
        self._ros_calls_scheduled = False
        self._ros_calls_lock = threading.Lock()
        self._stopping = threading.Event()
        self.hub: Optional[Hub] = None
        self.server: Optional[FoxgloveServer] = None
        self.topics: Optional[TopicSubscriptions] = None
        self.publishers: Optional[ClientPublishers] = None
        self.services: Optional[ServiceCaller] = None
        self.params: Optional[ParameterAccess] = None
        self._call_timers: dict = {}
        self._ros_clients: dict = {}
        self._pending_ros_calls: dict = {}
        self._tasks: set = set()
        self._played_publishers: dict = {}
        self._asset_locks: dict[int, list] = {}
        self._effect_handlers: dict = {}
        self.port: Optional[int] = None

    async def run(self, stop: asyncio.Event,
                  on_started: Optional[Callable[[int], None]] = None) -> None:
        """
        Serve until ``stop`` is set, then shut down cleanly.

        :param stop: set it (on the loop) to stop the bridge.
        :param on_started: called with the bound port once clients can connect.
        :raises ConfigError: if TLS files cannot be loaded.
        :raises OSError: if the port cannot be bound.
        """
        self._loop = asyncio.get_running_loop()
        config = self.config
        self.hub = Hub(
            server_name=f'foxglove_bridge_py {__version__}',
            capabilities=config.capabilities,
            supported_encodings=(('cdr', 'json') if {Capability.CLIENT_PUBLISH.value,
                                                     Capability.SERVICES.value} & set(
                config.capabilities) else ()),
            client_topic_allowed=lambda topic: matches_any(config.client_topic_whitelist, topic),
            on_client_count=self._on_client_count if config.publish_client_count else None,
            metadata={'ROS_DISTRO': ros_distro()},
            session_id=config.session_id or self._new_session_id(),
            send_buffer_limit=config.send_buffer_limit,
            max_subscriptions=config.max_subscriptions_per_client,
            max_client_channels=config.max_channels_per_client,
            max_message_age=config.max_message_age_ms / 1000)
        self.playback = None
        if config.playback_file:
            try:
                recording = Recording(config.playback_file)
            except RecordingError as exc:
                raise ConfigError(f'parameter playback_file: {exc}') from None
            self.playback = PlaybackRunner(
                self.hub, recording, config.topic_allowed,
                self._publish_played if config.playback_publish else None)
        self.server = FoxgloveServer(
            self.hub, self._on_effects, address=config.address, port=config.port,
            ssl_context=make_ssl_context(config), compression=config.use_compression,
            logger=logging.getLogger('foxglove_bridge_py.server'),
            allowed_origins=config.allowed_origins, max_clients=config.max_clients,
            max_message_size=config.max_message_size,
            ping_interval=config.ping_interval_ms / 1000,
            ping_timeout=config.ping_timeout_ms / 1000)
        self.publishers = ClientPublishers(self.node, self._on_publisher_error,
                                           self._on_publish_error)
        executor = self._executor = make_executor(self.node.context)
        self.topics = TopicSubscriptions(
            self.node, config, self._on_message, self._on_channel_problem,
            message_info=isinstance(executor, SingleThreadedExecutor))
        self._effect_handlers = self._make_effect_handlers()
        clock = subscribe_clock(self.node, self._on_clock) if config.use_sim_time else None
        from std_srvs.srv import Trigger
        clear_session = self.node.create_service(Trigger, '~/clear_session', self._clear_session)
        diagnostics = (subscribe_diagnostics(self.node, self._on_diagnostics)
                       if config.diagnostics_as_status else None)
        self.services = ServiceCaller(self.node)
        self.params = ParameterAccess(config, self._call_ros_service, self._parameter_nodes,
                                      self.node.get_fully_qualified_name(),
                                      config.parameter_timeout_ms / 1000)
        if config.publish_client_count:
            from std_msgs.msg import UInt32
            self._client_count = self.node.create_publisher(
                UInt32, CLIENT_COUNT_TOPIC, QoSProfile(
                    depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL))
            self._client_count.publish(UInt32(data=0))
        graph_timer = steady_timer(self.node, CONNECTION_GRAPH_PERIOD,
                                   self._refresh_graph_if_wanted)
        parameter_events = (
            self.node.create_subscription(ParameterEvent, '/parameter_events',
                                          self._on_parameter_event, 100)
            if Capability.PARAMETERS_SUBSCRIBE.value in config.capabilities else None)
        watcher = None
        if self.playback is None:
            watcher = GraphWatcher(self.node, config,
                                   DefinitionBuilder(ament_interface_reader()),
                                   self._on_graph_change,
                                   services=Capability.SERVICES.value in config.capabilities,
                                   subscribed_topics=self.topics.topics)
            watcher.poll()
        executor.add_node(self.node)
        for extra in self._extra_nodes:
            executor.add_node(extra)
        playing = None
        spinner = threading.Thread(target=self._spin, args=(executor,), name='ros-executor',
                                   daemon=True)
        try:
            await self.server.start()
            self.port = self.server.port
            self._publish_port(self.port)
            scheme = 'wss' if config.tls else 'ws'
            self._log.info(f'Foxglove bridge listening on {scheme}://{config.address}:'
                           f'{self.port}')
            spinner.start()
            if self.playback is not None:
                if config.playback_publish:
                    self._call_in_ros(self._create_played_publishers)
                playing = asyncio.ensure_future(self.playback.run())
            if on_started is not None:
                on_started(self.port)
            await stop.wait()
        finally:
            self._log.info('shutting down')
            if playing is not None:
                playing.cancel()
            if self.playback is not None:
                self.playback.recording.close()
            await self.server.stop()
            self._stopping.set()
            executor.shutdown(timeout_sec=SHUTDOWN_TIMEOUT)
            if spinner.is_alive():
                spinner.join(SHUTDOWN_TIMEOUT)
            if watcher is not None:
                watcher.destroy()
            self.topics.destroy()
            self.publishers.destroy_all()
            self.services.destroy()
            for client in self._ros_clients.values():
                self.node.destroy_client(client)
            for task in list(self._tasks):
                task.cancel()
            for subscription in (clock, diagnostics, parameter_events):
                if subscription is not None:
                    self.node.destroy_subscription(subscription)
            self.node.destroy_service(clear_session)
            self.node.destroy_timer(graph_timer)

    def _publish_port(self, port: int) -> None:
        # A read-only parameter can only be given its value when declared, so it is declared
        # once the port is known.
        if not self.node.has_parameter('actual_port'):
            self.node.declare_parameter('actual_port', port, ParameterDescriptor(
                description='The port the WebSocket server is bound to.', read_only=True))

    def _spin(self, executor: Executor) -> None:
        context = self.node.context
        while not self._stopping.is_set() and context.ok():
            try:
                executor.spin_once(timeout_sec=SPIN_TIMEOUT)
            except ExternalShutdownException:
                return
            except Exception:  # noqa: B902 - one failed callback must not stop the bridge
                if not self._stopping.is_set():
                    self._log.error(f'ROS callback failed:\n{traceback.format_exc()}')

    # --- loop -> ROS ---------------------------------------------------------------------------

    def _call_in_ros(self, function: Callable[[], None]) -> None:
        # Executor.create_task is thread-safe for both executors; one task runs every call
        # queued until it starts.
        with self._ros_calls_lock:
            self._ros_calls.append(function)
            if self._ros_calls_scheduled:
                return
            self._ros_calls_scheduled = True
        self._executor.create_task(self._run_ros_calls)

    def _run_ros_calls(self) -> None:
        with self._ros_calls_lock:
            self._ros_calls_scheduled = False
        while self._ros_calls:
            function = self._ros_calls.popleft()
            try:
                function()
            except Exception as exc:  # noqa: B902 - one failed call must not stop the others
                self._log.error(f'ROS operation failed: {exc!r}')

    def _on_effects(self, effects: list[Effect]) -> None:
        handlers = self._effect_handlers
        for effect in effects:
            handlers[type(effect)](effect)

    def _make_effect_handlers(self) -> dict:
        """Map each effect type the hub returns to what carries it out."""
        topics, publishers = self.topics, self.publishers
        call_in_ros = self._call_in_ros
        handlers = {
            StartSubscription: lambda e: call_in_ros(lambda: topics.start(
                e.channel.id, e.channel.topic, e.channel.schema_name)),
            StopSubscription: lambda e: call_in_ros(lambda: topics.stop(e.channel_id)),
            ReplayLatched: lambda e: self.hub.replay(e.client_id, e.channel_id,
                                                     topics.latched(e.channel_id)),
            PublishMessage: lambda e: call_in_ros(lambda: publishers.publish(
                e.client_id, e.channel_id, e.payload)),
            CreatePublisher: lambda e: call_in_ros(lambda: publishers.create(
                e.client_id, e.channel.id, e.channel.topic, e.channel.schema_name,
                e.channel.encoding)),
            DestroyPublisher: lambda e: call_in_ros(lambda: publishers.destroy(
                e.client_id, e.channel_id)),
            CallService: self._call_service,
            FetchAsset: lambda e: self._start_task(self._fetch_asset(e)),
            RefreshGraph: lambda e: call_in_ros(self._refresh_graph),
            GetParams: lambda e: self._start_task(self._get_parameters(e)),
            SetParams: lambda e: self._start_task(self._set_parameters(e)),
            PlaybackControl: lambda e: self.playback.control(e.request),
        }
        if self.playback is not None:
            # A recording's messages go to whoever is subscribed; no ROS subscription at all.
            for kind in (StartSubscription, StopSubscription, ReplayLatched):
                handlers[kind] = lambda e: None
        return handlers

    # --- ROS -> loop ---------------------------------------------------------------------------

    def _on_message(self, channel_id: int, sequence: int, log_time: int, data: bytes) -> None:
        with self._pending_lock:
            self._pending.append((channel_id, sequence, log_time, data))
            if self._flush_scheduled:
                return
            self._flush_scheduled = True
        self._call_in_loop(self._flush_now_or_soon)

    def _flush_now_or_soon(self) -> None:
        # A message after a quiet spell goes out at once. Under a stream of them, waiting a
        # fraction of a millisecond gathers a batch, so that one wake-up of the loop and one
        # socket write carry many messages instead of one each.
        if self._loop.time() - self._last_flush < BUSY_WINDOW:
            self._loop.call_later(COALESCE_DELAY, self._flush)
        else:
            self._flush()

    def _new_session_id(self) -> str:
        # Milliseconds since the epoch, as the SDK does, but never the same id twice.
        with self._pending_lock:
            self._last_session_ms = max(self._last_session_ms + 1, time.time_ns() // 1_000_000)
            return str(self._last_session_ms)

    def _clear_session(self, request, response):
        session_id = self._new_session_id()
        with self._pending_lock:
            self._pending_session = session_id
        self._schedule_flush()
        self._log.info(f'new session {session_id}')
        response.success = True
        response.message = f'new session {session_id}'
        return response

    def _on_clock(self, timestamp_ns: int) -> None:
        # A clock that goes back is a restarted simulation: the app should start afresh.
        jumped_back = self._last_clock is not None and timestamp_ns < self._last_clock
        self._last_clock = timestamp_ns
        new_session = (self._new_session_id()
                       if jumped_back and self.config.clear_session_on_clock_jump else None)
        # Only the latest time of a batch matters: the app's clock jumps to it.
        with self._pending_lock:
            self._pending_time = timestamp_ns
            if new_session is not None:
                self._pending_session = new_session
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        with self._pending_lock:
            if self._flush_scheduled:
                return
            self._flush_scheduled = True
        self._call_in_loop(self._flush)

    def _flush(self) -> None:
        self._last_flush = self._loop.time()
        with self._pending_lock:
            batch, self._pending = self._pending, []
            timestamp, self._pending_time = self._pending_time, None
            session, self._pending_session = self._pending_session, None
            self._flush_scheduled = False
        # A new session first, so that the time and data after it belong to it.
        if session is not None:
            self.hub.clear_session(session)
        if timestamp is not None:
            self.hub.broadcast_time(timestamp)
        self.hub.deliver(batch)

    def _on_graph_change(self, change: GraphChange) -> None:
        for name in change.removed_services:
            self.services.forget(name)
        self._call_in_loop(self._apply_graph_change, change)
        self._refresh_graph_if_wanted()

    def _refresh_graph_if_wanted(self) -> None:
        # Reading a count the loop owns: a stale answer costs one read too many or too few.
        if self.hub.graph_subscriber_count():
            self._refresh_graph()

    def _refresh_graph(self) -> None:
        self._call_in_loop(self.hub.graph_update, read_connection_graph(self.node, self.config))

    def _apply_graph_change(self, change: GraphChange) -> None:
        effects = self.hub.remove_channels(change.removed_channels)
        if effects:
            self._on_effects(effects)
        self.hub.add_channels(change.added_channels)
        self.hub.remove_services(change.removed_services)
        self.hub.add_services(change.added_services)

    # --- parameters and other service calls awaited on the loop --------------------------------

    def _start_task(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error(f'request failed: {task.exception()!r}')

    async def _get_parameters(self, effect: GetParams) -> None:
        parameters = await self.params.get_values(effect.names)
        self.hub.parameter_values(effect.client_id, parameters, effect.request_id)

    async def _set_parameters(self, effect: SetParams) -> None:
        _, problems = await self.params.set_values(effect.parameters)
        for problem in problems:
            self.hub.client_status(effect.client_id, StatusLevel.WARNING,
                                   f'Cannot set parameter {problem}')
        if effect.request_id is not None:
            parameters = await self.params.get_values([p.name for p in effect.parameters])
            self.hub.parameter_values(effect.client_id, parameters, effect.request_id)

    async def _fetch_asset(self, effect: FetchAsset) -> None:
        # One read at a time per client, and only while its replies take less than half their
        # budget: a client that asks for many large assets and reads none holds one in memory.
        entry = self._asset_locks.setdefault(effect.client_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                if await self._control_room(effect.client_id):
                    await self._read_asset(effect)
                else:
                    self.hub.asset_done(effect.client_id, effect.request_id,
                                        error='Client left or stopped reading')
        finally:
            entry[1] -= 1
            if not entry[1]:
                self._asset_locks.pop(effect.client_id, None)

    async def _control_room(self, client_id: int) -> bool:
        session = self.hub.sessions.get(client_id)
        if session is None:
            return False
        room = self._loop.create_future()
        session.queue.when_control_room(lambda: room.done() or room.set_result(True))
        while not room.done():
            if self.hub.sessions.get(client_id) is not session or session.queue.overflowed:
                return False
            await asyncio.wait([room], timeout=ASSET_ROOM_POLL)
        return True

    async def _read_asset(self, effect: FetchAsset) -> None:
        from ament_index_python.packages import get_package_share_directory

        try:
            # File reads block, so they run on the loop's default worker threads.
            data = await self._loop.run_in_executor(None, assets.read, effect.uri,
                                                    self.config.asset_uri_allowlist,
                                                    get_package_share_directory)
        except assets.AssetError as exc:
            self.hub.asset_done(effect.client_id, effect.request_id, error=str(exc))
        except Exception as exc:  # noqa: B902 - the client must get an answer whatever happened
            self.hub.asset_done(effect.client_id, effect.request_id,
                                error=f'Asset {effect.uri!r} cannot be read: {exc!r}')
        else:
            self.hub.asset_done(effect.client_id, effect.request_id, data=data)

    def _publish_played(self, batch: list) -> None:
        self._call_in_ros(lambda: self._publish_into_ros(batch))

    def _create_played_publishers(self) -> None:
        # Made before playing starts, so that subscribers have matched by the first message.
        from foxglove_bridge_py.ros_topics import import_message_type
        from rosgraph_msgs.msg import Clock

        publishers = self._played_publishers
        publishers['/clock'] = self.node.create_publisher(Clock, '/clock', 10)
        for channel in self.hub.channels.values():
            if channel.encoding != 'cdr':
                continue
            try:
                publishers[channel.id] = self.node.create_publisher(
                    import_message_type(channel.schema_name), channel.topic, 10)
            except ImportError as exc:
                self._log.warning(f'{channel.topic} is not published into ROS: {exc}')

    def _publish_into_ros(self, batch: list) -> None:
        from builtin_interfaces.msg import Time
        from rosgraph_msgs.msg import Clock

        publishers = self._played_publishers
        for channel, _, data in batch:
            publisher = publishers.get(channel.id)
            if publisher is not None:
                publisher.publish(data)
        sec, nanosec = divmod(batch[-1][1], 1_000_000_000)
        publishers['/clock'].publish(Clock(clock=Time(sec=sec, nanosec=nanosec)))

    def _on_client_count(self, count: int) -> None:
        from std_msgs.msg import UInt32
        self._call_in_ros(lambda: self._client_count.publish(UInt32(data=count)))

    def _on_parameter_event(self, event: ParameterEvent) -> None:
        parameters = [p for p in event_parameters(event) if self.params.allowed(p.name)]
        if parameters:
            self._call_in_loop(self.hub.parameter_updates, parameters)

    def _run_in_ros(self, function: Callable) -> asyncio.Future:
        future = self._loop.create_future()

        def run() -> None:
            try:
                result = function()
            except Exception as exc:  # noqa: B902 - handed to the awaiting coroutine
                self._call_in_loop(_settle, future, None, exc)
                return
            self._call_in_loop(_settle, future, result, None)

        self._call_in_ros(run)
        return future

    async def _parameter_nodes(self) -> list[str]:
        def nodes() -> list[str]:
            services = {name for name, _ in self.node.get_service_names_and_types()}
            found = []
            for name, namespace in self.node.get_node_names_and_namespaces():
                full = f'{namespace.rstrip("/")}/{name}'
                if all(f'{full}/{s}' in services for s in (
                        'list_parameters', 'get_parameters', 'set_parameters')):
                    found.append(full)
            return found

        return await self._run_in_ros(nodes)

    def _ros_client(self, name: str, srv_type) -> object:
        client = self._ros_clients.get(name)
        if client is None:
            client = self._ros_clients[name] = self.node.create_client(srv_type, name)
        return client

    async def _call_ros_service(self, name: str, srv_type, request, timeout: float):
        """Call a service from the loop: wait until it is ready, then for its answer."""
        loop = self._loop
        deadline = loop.time() + timeout
        while not await self._run_in_ros(
                lambda: self._ros_client(name, srv_type).service_is_ready()):
            if loop.time() >= deadline:
                raise TimeoutError(f'{name} is not available')
            await asyncio.sleep(SERVICE_READY_POLL)
        future = loop.create_future()
        key = object()

        def start() -> None:
            client = self._ros_client(name, srv_type)
            ros_future = client.call_async(request)
            self._pending_ros_calls[key] = (client, ros_future)

            def done(finished) -> None:
                self._pending_ros_calls.pop(key, None)
                exception = finished.exception()
                self._call_in_loop(_settle, future,
                                   None if exception else finished.result(), exception)

            ros_future.add_done_callback(done)

        def forget() -> None:
            entry = self._pending_ros_calls.pop(key, None)
            if entry is not None and hasattr(entry[0], 'remove_pending_request'):
                entry[0].remove_pending_request(entry[1])

        self._call_in_ros(start)
        try:
            return await asyncio.wait_for(future, max(0.001, deadline - loop.time()))
        except asyncio.TimeoutError:
            self._call_in_ros(forget)
            raise

    def _call_service(self, effect: CallService) -> None:
        key = (effect.client_id, effect.call_id)
        service = effect.service
        timeout = self.config.service_call_timeout_ms / 1000

        def answer(payload: Optional[bytes], error: Optional[str]) -> None:
            timer = self._call_timers.pop(key, None)
            if timer is not None:
                timer.cancel()
            self.hub.service_done(effect.client_id, service.id, effect.call_id,
                                  effect.encoding, payload, error)

        def timed_out() -> None:
            self._call_timers.pop(key, None)
            self._call_in_ros(lambda: self.services.cancel(key))
            self.hub.service_done(effect.client_id, service.id, effect.call_id, effect.encoding,
                                  None, f'Service {service.name} did not answer within '
                                  f'{self.config.service_call_timeout_ms} ms')

        self._call_timers[key] = self._loop.call_later(timeout, timed_out)
        self._call_in_ros(lambda: self.services.call(
            key, service.name, service.type, effect.encoding, effect.payload,
            lambda payload, error: self._call_in_loop(answer, payload, error)))

    def _on_channel_problem(self, channel_id: int, kind: str, message: str) -> None:
        level = StatusLevel.ERROR if kind == 'subscription' else StatusLevel.WARNING
        if level == StatusLevel.ERROR:
            self._log.error(message)
        self._call_in_loop(self.hub.channel_problem, channel_id, kind, level, message)

    def _on_publisher_error(self, client_id: int, channel_id: int, message: str) -> None:
        self._log.error(message)

        def report() -> None:
            session = self.hub.sessions.get(client_id)
            if session is not None:
                self.hub.client_channel_failed(session, channel_id, message)

        self._call_in_loop(report)

    def _on_diagnostics(self, entries: list[tuple[str, int, str]]) -> None:
        self._call_in_loop(self.hub.apply_diagnostics, entries)

    def _on_publish_error(self, client_id: int, channel_id: int, message: str) -> None:
        def report() -> None:
            session = self.hub.sessions.get(client_id)
            if session is not None:
                session.send_status(StatusLevel.ERROR, message)

        self._call_in_loop(report)

    def _call_in_loop(self, function: Callable, *args) -> None:
        try:
            self._loop.call_soon_threadsafe(function, *args)
        except RuntimeError:
            pass  # the loop is closed: the bridge is shutting down
