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
The bridge as wiring: it builds the parts, connects them, and owns their lifetimes.

The parts: the protocol core (``core.hub.Hub`` and one capability per module in
``capabilities/``), the WebSocket server (``server/``), a source (the live ROS graph, ``ros/``,
or a recording, ``playback/``), the ROS-side helpers (publishers, service calls, parameters, the
connection graph, the bridge's own endpoints) and the two threads (``threads``) that every hop
between them goes through. Each part takes the few settings it needs, made here from the
``BridgeConfig``. The hub answers client requests with effects; :meth:`Bridge._effect_table`
maps each effect type to the part that carries it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from typing import Callable, Iterable, Optional

from foxglove_bridge_py import __version__
from foxglove_bridge_py.access.gate import Gate
from foxglove_bridge_py.access.reload import AccessFile, CHECK_INTERVAL, revocations
from foxglove_bridge_py.access.table import AccessFileError
from foxglove_bridge_py.capabilities.assets import Assets, ReadAsset
from foxglove_bridge_py.capabilities.client_publish import (ClientPublish, CreatePublisher,
                                                            DestroyPublisher, PublishMessage)
from foxglove_bridge_py.capabilities.connection_graph import ConnectionGraphUpdates, WatchGraph
from foxglove_bridge_py.capabilities.parameters import GetParams, Parameters, SetParams
from foxglove_bridge_py.capabilities.playback import PlaybackControl, PlaybackRequests
from foxglove_bridge_py.capabilities.server_time import ServerTime
from foxglove_bridge_py.capabilities.services import CallService, Services
from foxglove_bridge_py.config import BridgeConfig, ConfigError, matches_any
from foxglove_bridge_py.core.audit import audit_line
from foxglove_bridge_py.core.client_session import Effect
from foxglove_bridge_py.core.effect_table import EffectTable
from foxglove_bridge_py.core.fanout import ReplayLatched, StartSubscription, StopSubscription
from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.hub import Hub
from foxglove_bridge_py.core.seams import Source
from foxglove_bridge_py.monitoring.own_diagnostics import diagnostic_entries
from foxglove_bridge_py.monitoring.status_report import Figures
from foxglove_bridge_py.monitoring.system_info import SystemInfoSource, SystemSampler
from foxglove_bridge_py.playback.source import PlaybackSource
from foxglove_bridge_py.protocol import Capability
from foxglove_bridge_py.ros.asset_reader import AssetReader
from foxglove_bridge_py.ros.distro import ros_distro
from foxglove_bridge_py.ros.endpoints import BridgeEndpoints, EndpointSettings
from foxglove_bridge_py.ros.graph import ConnectionGraphReader, GraphSettings, parameter_nodes
from foxglove_bridge_py.ros.params import ParameterAccess
from foxglove_bridge_py.ros.playback import open_playback
from foxglove_bridge_py.ros.publishers import ClientPublishers
from foxglove_bridge_py.ros.services import loop_caller, ServiceCaller
from foxglove_bridge_py.ros.source import RosSource, SourceSettings
from foxglove_bridge_py.ros.topics import SubscriptionSettings
from foxglove_bridge_py.server.http_answers import Monitoring
from foxglove_bridge_py.server.operator_page import operator_page
from foxglove_bridge_py.server.server import FoxgloveServer
from foxglove_bridge_py.server.tls import tls_context
from foxglove_bridge_py.threads import Inbox, SessionIds, Threads
from foxglove_bridge_py.threads.loop_tasks import LoopTasks
from foxglove_bridge_py.twins.plan import TwinSettings
from rclpy.node import Node


class Bridge:
    """Runs one bridge: builds its parts, serves until told to stop, and frees them."""

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
        self._tasks = LoopTasks(self._log)
        self.port: Optional[int] = None
        self._access: Optional[AccessFile] = None
        self._playback: Optional[PlaybackSource] = None
        self._own_channels: dict[int, SystemInfoSource] = {}
        self._session_ids = SessionIds()
        self.hub = self._build_core()

    async def run(self, stop: asyncio.Event,
                  on_started: Optional[Callable[[int], None]] = None) -> None:
        """
        Serve until ``stop`` is set, then shut down cleanly.

        :param stop: set it (on the loop) to stop the bridge.
        :param on_started: called with the bound port once clients can connect.
        :raises ConfigError: if TLS files, the access file or the recording cannot be loaded.
        :raises OSError: if the port cannot be bound.
        """
        config = self.config
        if config.access_file:
            try:
                self._access = AccessFile(config.access_file)
            except AccessFileError as exc:
                raise ConfigError(f'parameter access_file: {exc}') from None
        gate = Gate(self._access.table) if self._access is not None else None
        # Freed in reverse: the server first, then the executor thread, then the ROS parts.
        with contextlib.ExitStack() as ros_parts:
            hub = self.hub
            if config.sysinfo and not config.playback_file:  # a replay shows the recording alone
                self._add_sysinfo()
            threads = self.threads = Threads(
                self.node, asyncio.get_running_loop(),
                Inbox(hub.fanout.deliver, self.time.advance, hub.clear_session,
                      hub.fanout.replay), self._session_ids, self._extra_nodes)
            source = self._build_source(threads, ros_parts)
            self._effects = self._effect_table(threads, source, ros_parts)
            figures = self.figures = Figures(hub, lambda: server.links(),
                                             threads.heartbeats.take_loop_lag)
            server = _server(hub, self._carry_out, config, Monitoring(
                figures.report, threads.heartbeats.ages, operator_page()), gate)
            async with contextlib.AsyncExitStack() as running:
                running.callback(threads.stop)
                running.callback(self._tasks.cancel_all)
                await server.start()
                running.push_async_callback(server.stop)
                self.port = server.port
                # Before the executor spins, the loop may still touch the node directly.
                self._endpoints.publish_port(self.port)
                threads.start()
                self._tasks.start(self._tick_figures(figures, threads))
                self._log.info(f'Foxglove bridge listening on '
                               f'{"wss" if config.tls else "ws"}://{config.address}:{self.port}')
                if gate is not None and self._access is not None:
                    self._tasks.start(self._follow_access_file(self._access, gate, server))
                self._warn_if_open()
                if self._playback is not None:
                    playing = asyncio.ensure_future(self._playback.run())
                    running.callback(playing.cancel)
                if on_started is not None:
                    on_started(self.port)
                await stop.wait()
                self._log.info('shutting down')

    def _build_core(self) -> Hub:
        """Build the hub and register one capability per module; each is kept by name."""
        config = self.config
        offered = set(config.capabilities)
        encodings = (('cdr', 'json') if {Capability.CLIENT_PUBLISH.value,
                                         Capability.SERVICES.value} & offered else ())
        hub = Hub(
            server_name=f'foxglove_bridge_py {__version__}', capabilities=config.capabilities,
            supported_encodings=encodings,
            # fg-library names the bridge as the C++ bridge names itself (3.4.2 on).
            metadata={'ROS_DISTRO': ros_distro(),
                      'fg-library': f'foxglove_bridge_py/{__version__}'},
            session_id=config.session_id or self._session_ids.next(),
            send_buffer_limit=config.send_buffer_limit,
            max_subscriptions=config.max_subscriptions_per_client,
            max_message_age=config.max_message_age_ms / 1000,
            max_queued_messages=config.message_backlog_size)
        sessions = hub.sessions
        self.time = hub.register(ServerTime(sessions))
        self.client_publish = hub.register(ClientPublish(
            sessions, encodings, lambda topic: matches_any(config.client_topic_whitelist, topic),
            config.max_channels_per_client))
        self.services = hub.register(Services(sessions, encodings))
        self.parameters = hub.register(Parameters(sessions))
        self.graph = hub.register(ConnectionGraphUpdates())
        self.assets = hub.register(Assets(sessions))
        # With playback_publish, a recording's controls drive what ROS receives.
        self.playback = hub.register(PlaybackRequests(publishes=config.playback_publish))
        return hub

    def _add_sysinfo(self) -> None:
        """Add the sysinfo channel, served on the loop rather than by the source."""
        try:
            sampler = SystemSampler()
        except OSError as exc:
            self._log.warning(f'no sysinfo channel: cannot read the system figures ({exc})')
            return
        sysinfo = SystemInfoSource(
            self.config.sysinfo_topic, self.config.sysinfo_refresh_interval / 1000, sampler,
            self.hub.fanout.deliver, asyncio.get_running_loop().call_later)
        channel, = self.hub.add_channels([sysinfo.channel])
        self._own_channels[channel.id] = sysinfo
        self._tasks.on_cancel(sysinfo.stop)

    def _build_source(self, threads: Threads, ros_parts: contextlib.ExitStack) -> Source:
        """Build the ROS-side parts and the source: the recording, or the live graph."""
        config, node, hub = self.config, self.node, self.hub
        self._caller = ServiceCaller(node)
        ros_parts.callback(self._caller.destroy)
        self._graph_reader = ConnectionGraphReader(node, graph_settings(config),
                                                   threads.in_loop(self.graph.update))
        ros_parts.callback(self._graph_reader.destroy)
        self._params = ParameterAccess(
            config.param_whitelist, config.ignore_unresponsive_param_nodes,
            loop_caller(self._caller, threads.await_ros_callback),
            lambda: threads.run_in_ros(lambda: parameter_nodes(node)),
            node.get_fully_qualified_name(), config.parameter_timeout_ms / 1000)
        self._endpoints = BridgeEndpoints(
            node, EndpointSettings(
                config.diagnostics_as_status, config.publish_diagnostics,
                config.publish_client_count,
                Capability.PARAMETERS_SUBSCRIBE.value in config.capabilities),
            new_session=threads.post_new_session,
            on_diagnostics=threads.in_loop(hub.statuses.apply_diagnostics),
            on_parameters=threads.in_loop(self.parameters.updates),
            parameter_allowed=self._params.allowed)
        ros_parts.callback(self._endpoints.destroy)
        count_listeners: list[Callable[[int], None]] = [threads.set_client_count]
        if config.publish_client_count:
            count_listeners.append(threads.in_ros(self._endpoints.publish_client_count))

        def on_client_count(count: int) -> None:
            for listen in count_listeners:
                listen(count)

        hub.on_client_count = on_client_count
        if config.playback_file:
            self._playback = open_playback(
                node, config.playback_file, config.playback_publish, config.topic_allowed, hub,
                self.time, threads.call_in_ros, ros_parts)
            return self._playback
        source = RosSource(
            node, source_settings(config), threads.events_on_loop(_LiveGraphEvents(self)),
            threads,
            graph_listeners=(lambda change: self._caller.forget(change.removed_services),
                             lambda change: self._graph_reader.graph_changed()),
            message_info=not threads.events_executor,
            twin_worker=(threads.worker('twin-encoder')
                         if config.image_twins or config.cloud_twins else None),
            twin_wanted=threads.read_from_loop(
                lambda channel_id: channel_id not in hub.fanout.twin_waiting))
        ros_parts.callback(source.destroy)
        self.twin_encoder = source.twin_encoder  # its count of encoded messages, for tests
        source.poll()
        return threads.source_in_ros(source)

    def _effect_table(self, threads: Threads, source: Source, ros_parts: contextlib.ExitStack
                      ) -> EffectTable:
        """Map each effect type the hub returns to the part that carries it out."""
        hub, config = self.hub, self.config
        client_publish, services = self.client_publish, self.services
        publishers = ClientPublishers(self.node, threads.in_loop(client_publish.publisher_failed),
                                      threads.in_loop(client_publish.publish_failed))
        ros_parts.callback(publishers.destroy_all)
        call_service = threads.in_ros(self._caller.call_encoded)
        answer_call = threads.in_loop(services.done)
        timeout = config.service_call_timeout_ms / 1000
        reader = AssetReader(hub.sessions, self.assets, config.asset_uri_allowlist,
                             threads.run_blocking)
        own = self._own_channels
        table = EffectTable()
        table.on(StartSubscription, lambda e: own.get(e.channel.id, source).start(e.channel))
        table.on(StopSubscription, lambda e: own.get(e.channel_id, source).stop(e.channel_id))
        table.on(ReplayLatched, lambda e: source.replay(e.client_id, e.channel_id))
        create = threads.in_ros(publishers.create)
        destroy = threads.in_ros(publishers.destroy)
        publish = threads.in_ros(publishers.publish)
        table.on(CreatePublisher, lambda e: create(e.client_id, e.channel.id, e.channel.topic,
                                                   e.channel.schema_name, e.channel.encoding))
        table.on(DestroyPublisher, lambda e: destroy(e.client_id, e.channel_id))
        table.on(PublishMessage, lambda e: publish(e.client_id, e.channel_id, e.payload))
        table.on(CallService, lambda e: call_service(
            (e.client_id, e.call_id), e.service.name, e.service.type, e.encoding, e.payload,
            timeout, lambda payload, error: answer_call(
                e.client_id, e.service.id, e.call_id, e.encoding, payload, error)))
        table.on(WatchGraph, lambda e: threads.call_in_ros(self._graph_reader.watch, e.watched))
        params, parameters, tasks = self._params, self.parameters, self._tasks
        table.on(GetParams, lambda e: tasks.start(params.serve_get(e, parameters)))
        table.on(SetParams, lambda e: tasks.start(params.serve_set(e, parameters)))
        table.on(ReadAsset, lambda e: self._tasks.start(reader.serve(e)))
        if self._playback is not None:
            playback = self._playback
            table.on(PlaybackControl, lambda e: playback.control(e.request))
        return table

    async def _tick_figures(self, figures: Figures, threads: Threads) -> None:
        """Close a period of the figures each second; publish them as diagnostics."""
        publish = threads.in_ros(self._endpoints.publish_diagnostics)
        name = self.node.get_name()
        while True:
            await asyncio.sleep(1.0)
            report = figures.tick()
            if self.config.publish_diagnostics:
                publish(diagnostic_entries(report, name))

    async def _follow_access_file(self, access: AccessFile, gate: Gate, server: FoxgloveServer
                                  ) -> None:
        """Read the access file again when it changes; close the clients it takes rights from."""
        sessions = self.hub.sessions
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            table = access.poll(self._log.error)
            if table is None:
                continue
            gate.table = table
            self._log.info(f'access file {access.path} read again: {len(table.grants)} '
                           f'tokens, clients without a token: {table.anonymous.label}')
            for client_id, reason in revocations(
                    [(i, s.grant) for i, s in sessions.items()], table):
                server.revoke(client_id, reason)

    def _warn_if_open(self) -> None:
        """Say once, at start-up, that an open port lets anyone drive the robot."""
        config = self.config
        acts = (('clientPublish', 'publish'), ('services', 'call services'),
                ('parameters', 'set parameters'))
        offered = [words for capability, words in acts if capability in config.capabilities]
        if config.access_file or not offered or _is_loopback(config.address):
            return
        can = ', '.join(offered[:-1]) + ' and ' + offered[-1] if len(offered) > 1 else offered[0]
        self._log.warning(
            f'no access_file: anyone who reaches {config.address}:{self.port} can {can} on '
            f'this robot. Turn access control on with '
            f'-p access_file:=<file> (tokens made by "ros2 run foxglove_bridge_py make_token '
            f'NAME ROLE"), or listen on 127.0.0.1 and reach it through an SSH tunnel')

    def _carry_out(self, effects: list[Effect]) -> None:
        """Hand each effect the hub returned to the part its type maps to."""
        if self._access is not None:
            self._audit(effects)
        self._effects.carry_out(effects)

    def _audit(self, effects: list[Effect]) -> None:
        """Log who advertised, called or set what, by token name."""
        sessions = self.hub.sessions
        for effect in effects:
            line = audit_line(effect, sessions)
            if line is not None:
                self._log.info(line)

    def graph_changed(self, change: GraphChange) -> None:
        """
        Apply what came and went in the ROS graph to the channels and services (on the loop).

        :param change: the change.
        """
        self._carry_out(self.hub.remove_channels(change.removed_channels))
        self.hub.add_channels(change.added_channels)
        self.services.remove(change.removed_services)
        self.services.add(change.added_services)


def graph_settings(config: BridgeConfig) -> GraphSettings:
    """
    Take what the graph's readers need of the parameters.

    :param config: the bridge's parameters.
    :return: the whitelists and the hidden rule.
    """
    return GraphSettings(config.topic_whitelist, config.service_whitelist, config.include_hidden)


def source_settings(config: BridgeConfig) -> SourceSettings:
    """
    Take what the live graph needs of the parameters, part by part.

    :param config: the bridge's parameters.
    :return: the graph's, the subscriptions' and the twins' settings.
    """
    return SourceSettings(
        graph_settings(config),
        SubscriptionSettings(config.use_sim_time, config.min_qos_depth, config.max_qos_depth,
                             config.best_effort_qos_topic_whitelist, config.throttle_period),
        twin_settings(config), Capability.SERVICES.value in config.capabilities,
        config.clear_session_on_clock_jump)


def twin_settings(config: BridgeConfig) -> TwinSettings:
    """
    Take what the twins need of the parameters.

    :param config: the bridge's parameters.
    :return: which twins, of which topics, how often and how good.
    """
    return TwinSettings(
        config.image_twins, config.video_twins, config.cloud_twins,
        config.image_twin_topic_whitelist, config.image_twin_quality, config.image_twin_max_rate,
        config.video_twin_bitrate, config.cloud_twin_topic_whitelist,
        config.cloud_twin_max_points, config.cloud_twin_max_rate)


def _server(hub: Hub, effects: Callable[[list[Effect]], None], config: BridgeConfig,
            monitoring: Monitoring, gate: Optional[Gate]) -> FoxgloveServer:
    """Create the server the bridge's parameters describe (not yet bound)."""
    return FoxgloveServer(
        hub, effects, address=config.address, port=config.port,
        ssl_context=tls_context(config.certfile, config.keyfile) if config.tls else None,
        compression=config.use_compression, allowed_origins=config.allowed_origins,
        max_clients=config.max_clients, max_message_size=config.max_message_size,
        ping_interval=config.ping_interval_ms / 1000, ping_timeout=config.ping_timeout_ms / 1000,
        monitoring=monitoring if config.status_endpoint else None, gate=gate,
        max_json_size=config.max_json_message_size)


def _is_loopback(address: str) -> bool:
    """Tell whether the server listens on this machine only."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == 'localhost'


class _LiveGraphEvents:
    """What the live graph tells the core (on the loop): a :class:`SourceEvents`."""

    def __init__(self, bridge: Bridge) -> None:
        hub = bridge.hub
        self.graph_changed = bridge.graph_changed
        self.channel_problem = hub.channel_problem
        self.clear_channel_problems = hub.statuses.clear_channel_problems
        self.channel_latched = hub.fanout.channel_latched
