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
``BridgeConfig`` and given by keyword. :func:`build_core` builds the hub with every capability
(the tests build it the same way). The hub answers client requests with effects;
:meth:`Bridge._map_effects` maps each effect type to a method of :class:`SourceEffects`,
:class:`RosEffects` or :class:`LoopEffects` that carries it out, so a stack trace goes from the
server to the ROS side through named methods only.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import functools
import ipaddress
from typing import Callable, Iterable, Mapping, Optional, Sequence

from ament_index_python.packages import get_package_share_directory
from foxglove_bridge_py import __version__
from foxglove_bridge_py.access.gate import Gate
from foxglove_bridge_py.access.grant import Role
from foxglove_bridge_py.access.reload import AccessFile, CHECK_INTERVAL, revocations
from foxglove_bridge_py.access.table import AccessFileError
from foxglove_bridge_py.capabilities.asset_reader import AssetReader
from foxglove_bridge_py.capabilities.assets import Assets, ReadAsset
from foxglove_bridge_py.capabilities.client_publish import (ClientPublish, CreatePublisher,
                                                            DestroyPublisher, PublishMessage)
from foxglove_bridge_py.capabilities.connection_graph import ConnectionGraphUpdates, WatchGraph
from foxglove_bridge_py.capabilities.parameter_access import ParameterAccess
from foxglove_bridge_py.capabilities.parameters import GetParams, Parameters, SetParams
from foxglove_bridge_py.capabilities.playback import PlaybackControl, PlaybackRequests
from foxglove_bridge_py.capabilities.server_time import ServerTime
from foxglove_bridge_py.capabilities.services import CallService, Services
from foxglove_bridge_py.config import BridgeConfig, ConfigError
from foxglove_bridge_py.core.audit import audit_line
from foxglove_bridge_py.core.client_session import Effect
from foxglove_bridge_py.core.fanout import ReplayLatched, StartSubscription, StopSubscription
from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.hub import Hub
from foxglove_bridge_py.core.seams import Post, Source
from foxglove_bridge_py.monitoring.own_diagnostics import diagnostic_entries
from foxglove_bridge_py.monitoring.status_report import Figures
from foxglove_bridge_py.monitoring.system_info import SystemInfoSource, SystemSampler
from foxglove_bridge_py.playback.source import PlaybackSource
from foxglove_bridge_py.protocol import Capability
from foxglove_bridge_py.relay.link import (MISSING as RELAY_NEEDS_ZENOH, open_zenoh_session,
                                           session_config, zenoh_module)
from foxglove_bridge_py.relay.uplink import RelayUplink
from foxglove_bridge_py.ros.distro import ros_distro
from foxglove_bridge_py.ros.endpoints import BridgeEndpoints, EndpointSettings
from foxglove_bridge_py.ros.graph import ConnectionGraphReader, GraphSettings, parameter_nodes
from foxglove_bridge_py.ros.params import NodeParameters
from foxglove_bridge_py.ros.playback import open_playback
from foxglove_bridge_py.ros.publishers import ClientPublishers
from foxglove_bridge_py.ros.services import ServiceCaller
from foxglove_bridge_py.ros.source import RosSource, SourceSettings
from foxglove_bridge_py.ros.topics import SubscriptionSettings
from foxglove_bridge_py.ros_rules.names import matches_any
from foxglove_bridge_py.server.http_answers import Monitoring
from foxglove_bridge_py.server.operator_page import operator_page
from foxglove_bridge_py.server.server import FoxgloveServer
from foxglove_bridge_py.server.tls import tls_context
from foxglove_bridge_py.threads.hops import call_here
from foxglove_bridge_py.threads.loop_tasks import LoopTasks
from foxglove_bridge_py.threads.ros_and_loop import Inbox, SessionIds, Threads
from foxglove_bridge_py.threads.zenoh_side import ZenohSide
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
        self.uplink: Optional[RelayUplink] = None
        core = self.core = build_core(config, config.session_id or self._session_ids.next())
        self.hub = core.hub

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
                Inbox(hub.fanout.deliver, self.core.time.advance, hub.clear_session,
                      hub.fanout.replay), self._session_ids, self._extra_nodes)
            source, post = self._build_source(threads, ros_parts)
            self._map_effects(threads, source, post, ros_parts)
            if self._access is not None:
                hub.effects.audit = self._audit
            figures = self.figures = Figures(hub, lambda: server.links(),
                                             threads.heartbeats.take_loop_lag)
            server = _server(hub, hub.effects.carry_out, config, Monitoring(
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
                if config.relay_connect:
                    await self._start_relay_link(running)
                if self._playback is not None:
                    playing = asyncio.ensure_future(self._playback.run())
                    running.callback(playing.cancel)
                if on_started is not None:
                    on_started(self.port)
                await stop.wait()
                self._log.info('shutting down')

    async def _start_relay_link(self, running: contextlib.AsyncExitStack) -> None:
        """Dial the relay (``relay_connect``) and serve its viewers beside local clients."""
        config = self.config
        zenoh = zenoh_module()
        if zenoh is None:
            self._log.warning(RELAY_NEEDS_ZENOH)
            return
        loop = asyncio.get_running_loop()
        try:
            session = await loop.run_in_executor(None, open_zenoh_session, session_config(
                mode='peer', connect=config.relay_connect, config_file=config.relay_zenoh_config))
        except Exception as exc:  # noqa: B902 - zenoh reports a bad file or endpoint variously
            raise ConfigError(f'parameters relay_connect / relay_zenoh_config: {exc}') from None
        running.callback(session.close)
        side = ZenohSide(loop)
        running.callback(side.stop)
        self.uplink = RelayUplink(
            self.hub, self.hub.effects.carry_out, side, session, robot=config.relay_name,
            relay_role=Role.OPERATOR if config.relay_role == 'operator' else Role.VIEWER,
            log=self._log)
        task = asyncio.ensure_future(self.uplink.run())
        running.callback(task.cancel)
        self._log.info(f'dialling the relay at {", ".join(config.relay_connect)} as '
                       f'"{config.relay_name}" (viewers may do at most what a '
                       f'{config.relay_role} may)')

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

    def _build_source(self, threads: Threads, ros_parts: contextlib.ExitStack
                      ) -> tuple[Source, Post]:
        """Build the ROS-side parts and the source; return it with what posts to its thread."""
        config, node, hub, core = self.config, self.node, self.hub, self.core
        self._caller = ServiceCaller(node)
        ros_parts.callback(self._caller.destroy)
        self._graph_reader = ConnectionGraphReader(node, graph_settings(config),
                                                   threads.in_loop(core.graph.update))
        ros_parts.callback(self._graph_reader.destroy)
        self._params = ParameterAccess(
            config.param_whitelist, config.ignore_unresponsive_param_nodes,
            NodeParameters(self._caller, config.parameter_timeout_ms / 1000),
            threads.await_ros_callback,
            functools.partial(threads.run_in_ros, functools.partial(parameter_nodes, node)),
            node.get_fully_qualified_name())
        self._endpoints = BridgeEndpoints(
            node, EndpointSettings(
                diagnostics_as_status=config.diagnostics_as_status,
                publish_diagnostics=config.publish_diagnostics,
                publish_client_count=config.publish_client_count,
                parameter_events=Capability.PARAMETERS_SUBSCRIBE.value in config.capabilities),
            new_session=threads.post_new_session,
            on_diagnostics=threads.in_loop(hub.statuses.apply_diagnostics),
            on_parameters=threads.in_loop(core.parameters.updates),
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
                core.time, threads.call_in_ros, ros_parts)
            return self._playback, call_here  # a recording plays on the loop
        source = RosSource(
            node, source_settings(config), threads.events_on_loop(hub), threads,
            graph_listeners=(functools.partial(_forget_services, self._caller),
                             functools.partial(_read_graph_again, self._graph_reader)),
            message_info=not threads.events_executor,
            twin_worker=(threads.worker('twin-encoder')
                         if config.image_twins or config.cloud_twins else None),
            twin_wanted=hub.fanout.twin_wanted)
        ros_parts.callback(source.destroy)
        source.poll()
        return source, threads.call_in_ros

    def _map_effects(self, threads: Threads, source: Source, post: Post,
                     ros_parts: contextlib.ExitStack) -> None:
        """Map each effect type the hub returns to a method of the part that carries it out."""
        config, core, table = self.config, self.core, self.hub.effects
        publishers = ClientPublishers(self.node,
                                      threads.in_loop(core.client_publish.publisher_failed),
                                      threads.in_loop(core.client_publish.publish_failed))
        ros_parts.callback(publishers.destroy_all)
        subscriptions = SourceEffects(source, post, self._own_channels)
        table.on(StartSubscription, subscriptions.start)
        table.on(StopSubscription, subscriptions.stop)
        table.on(ReplayLatched, subscriptions.replay)
        ros = RosEffects(threads, publishers, self._caller, self._graph_reader, core.services,
                         config.service_call_timeout_ms / 1000)
        table.on(CreatePublisher, ros.create_publisher)
        table.on(DestroyPublisher, ros.destroy_publisher)
        table.on(PublishMessage, ros.publish)
        table.on(CallService, ros.call_service)
        table.on(WatchGraph, ros.watch_graph)
        reader = AssetReader(self.hub.sessions, core.assets, config.asset_uri_allowlist,
                             threads.run_blocking, get_package_share_directory)
        loop = LoopEffects(self._tasks, self._params, core.parameters, reader, self._playback)
        table.on(GetParams, loop.get_params)
        table.on(SetParams, loop.set_params)
        table.on(ReadAsset, loop.read_asset)
        if self._playback is not None:
            table.on(PlaybackControl, loop.playback_control)

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

    def _audit(self, effects: Sequence[Effect]) -> None:
        """Log who advertised, called or set what, by token name."""
        sessions = self.hub.sessions
        for effect in effects:
            line = audit_line(effect, sessions)
            if line is not None:
                self._log.info(line)


@dataclass(frozen=True, kw_only=True)
class Core:
    """The protocol core as :func:`build_core` makes it: the hub and its capabilities by name."""

    hub: Hub
    time: ServerTime
    client_publish: ClientPublish
    services: Services
    parameters: Parameters
    graph: ConnectionGraphUpdates
    assets: Assets
    playback: PlaybackRequests


def build_core(config: BridgeConfig, session_id: str) -> Core:
    """
    Build the hub and register one capability per module, as the parameters ask.

    A bridge's own capability is one more ``core.hub.register(...)`` of its module (see
    :class:`~foxglove_bridge_py.core.ops.CapabilityModule`); nothing here changes for it.

    :param config: the bridge's parameters.
    :param session_id: the first session's id.
    :return: the hub and its capabilities.
    """
    offered = set(config.capabilities)
    encodings = (('cdr', 'json') if {Capability.CLIENT_PUBLISH.value,
                                     Capability.SERVICES.value} & offered else ())
    hub = Hub(
        server_name=f'foxglove_bridge_py {__version__}', capabilities=config.capabilities,
        supported_encodings=encodings,
        # fg-library names the bridge as the C++ bridge names itself (3.4.2 on).
        metadata={'ROS_DISTRO': ros_distro(),
                  'fg-library': f'foxglove_bridge_py/{__version__}'},
        session_id=session_id, send_buffer_limit=config.send_buffer_limit,
        max_subscriptions=config.max_subscriptions_per_client,
        max_message_age=config.max_message_age_ms / 1000,
        max_queued_messages=config.message_backlog_size)
    sessions = hub.sessions
    return Core(
        hub=hub, time=hub.register(ServerTime(sessions)),
        client_publish=hub.register(ClientPublish(
            sessions, encodings, functools.partial(matches_any, config.client_topic_whitelist),
            config.max_channels_per_client)),
        services=hub.register(Services(sessions, encodings)),
        parameters=hub.register(Parameters(sessions)),
        graph=hub.register(ConnectionGraphUpdates()),
        assets=hub.register(Assets(sessions)),
        # With playback_publish, a recording's controls drive what ROS receives.
        playback=hub.register(PlaybackRequests(publishes=config.playback_publish)))


class SourceEffects:
    """Carries out the subscription effects on the source's thread (own channels: the loop)."""

    def __init__(self, source: Source, post: Post, own: Mapping[int, SystemInfoSource]) -> None:
        """
        Name the source and how to reach it.

        :param source: the live graph (used on the executor thread only) or a recording.
        :param post: runs a call on the source's thread (``Threads.call_in_ros``, or
            ``call_here`` for a recording on the loop).
        :param own: the bridge's own channels by id, served on the loop.
        """
        self._source = source
        self._post = post
        self._own = own

    def start(self, effect: StartSubscription) -> None:
        """
        Start sending a channel: its first client subscribed.

        :param effect: the effect.
        """
        channel = effect.channel
        own = self._own.get(channel.id)
        if own is not None:
            own.start(channel)
        else:
            self._post(self._source.start, channel)

    def stop(self, effect: StopSubscription) -> None:
        """
        Stop sending a channel: its last client left.

        :param effect: the effect.
        """
        own = self._own.get(effect.channel_id)
        if own is not None:
            own.stop(effect.channel_id)
        else:
            self._post(self._source.stop, effect.channel_id)

    def replay(self, effect: ReplayLatched) -> None:
        """
        Send a late joiner of a latched channel what its publishers kept.

        :param effect: the effect.
        """
        self._post(self._source.replay, effect.client_id, effect.channel_id)


class RosEffects:
    """Carries out, on the executor thread, the effects that act on ROS: one method each."""

    def __init__(self, threads: Threads, publishers: ClientPublishers, caller: ServiceCaller,
                 graph_reader: ConnectionGraphReader, services: Services, timeout: float
                 ) -> None:
        """
        Name the ROS-side parts, each used on the executor thread only.

        :param threads: posts the calls there, and the service answers back.
        :param publishers: the clients' publishers.
        :param caller: calls services for clients.
        :param graph_reader: reads the connection graph while clients watch it.
        :param services: the services capability, which answers the calls.
        :param timeout: ``service_call_timeout_ms``, in seconds.
        """
        self._post = threads.call_in_ros
        self._answer = threads.in_loop(services.done)
        self._publishers = publishers
        self._caller = caller
        self._graph_reader = graph_reader
        self._timeout = timeout

    def create_publisher(self, effect: CreatePublisher) -> None:
        """
        Create the publisher of a channel a client advertised.

        :param effect: the effect.
        """
        channel = effect.channel
        self._post(self._publishers.create, effect.client_id, channel.id, channel.topic,
                   channel.schema_name, channel.encoding)

    def destroy_publisher(self, effect: DestroyPublisher) -> None:
        """
        Destroy the publisher of a channel a client unadvertised.

        :param effect: the effect.
        """
        self._post(self._publishers.destroy, effect.client_id, effect.channel_id)

    def publish(self, effect: PublishMessage) -> None:
        """
        Publish a client's message.

        :param effect: the effect.
        """
        self._post(self._publishers.publish, effect.client_id, effect.channel_id, effect.payload)

    def call_service(self, effect: CallService) -> None:
        """
        Call a service for a client; the answer goes back to the services capability.

        :param effect: the effect.
        """
        service = effect.service
        answer = functools.partial(self._answer, effect.client_id, service.id, effect.call_id,
                                   effect.encoding)
        self._post(self._caller.call_encoded, (effect.client_id, effect.call_id), service.name,
                   service.type, effect.encoding, effect.payload, self._timeout, answer)

    def watch_graph(self, effect: WatchGraph) -> None:
        """
        Start or stop reading the connection graph.

        :param effect: the effect.
        """
        self._post(self._graph_reader.watch, effect.watched)


class LoopEffects:
    """Carries out, on the loop, the effects served by coroutines and by a recording."""

    def __init__(self, tasks: LoopTasks, params: ParameterAccess, parameters: Parameters,
                 reader: AssetReader, playback: Optional[PlaybackSource]) -> None:
        """
        Name the loop-side parts.

        :param tasks: runs the coroutines, cancelled when the bridge stops.
        :param params: gets and sets parameters through the nodes' services.
        :param parameters: the parameters capability, which sends the answers.
        :param reader: reads the assets clients fetch.
        :param playback: the recording played, if any.
        """
        self._tasks = tasks
        self._params = params
        self._parameters = parameters
        self._reader = reader
        self._playback = playback

    def get_params(self, effect: GetParams) -> None:
        """
        Answer a client's getParameters.

        :param effect: the effect.
        """
        self._tasks.start(self._params.serve_get(effect, self._parameters))

    def set_params(self, effect: SetParams) -> None:
        """
        Carry out a client's setParameters.

        :param effect: the effect.
        """
        self._tasks.start(self._params.serve_set(effect, self._parameters))

    def read_asset(self, effect: ReadAsset) -> None:
        """
        Read an asset a client fetches.

        :param effect: the effect.
        """
        self._tasks.start(self._reader.serve(effect))

    def playback_control(self, effect: PlaybackControl) -> None:
        """
        Play, pause, seek or change the speed of the recording.

        :param effect: the effect.
        """
        if self._playback is not None:
            self._playback.control(effect.request)


def graph_settings(config: BridgeConfig) -> GraphSettings:
    """
    Take what the graph's readers need of the parameters.

    :param config: the bridge's parameters.
    :return: the whitelists and the hidden rule.
    """
    return GraphSettings(topic_whitelist=config.topic_whitelist,
                         service_whitelist=config.service_whitelist,
                         include_hidden=config.include_hidden)


def source_settings(config: BridgeConfig) -> SourceSettings:
    """
    Take what the live graph needs of the parameters, part by part.

    :param config: the bridge's parameters.
    :return: the graph's, the subscriptions' and the twins' settings.
    """
    return SourceSettings(
        graph=graph_settings(config),
        subscriptions=SubscriptionSettings(
            use_sim_time=config.use_sim_time, min_qos_depth=config.min_qos_depth,
            max_qos_depth=config.max_qos_depth,
            best_effort_qos_topic_whitelist=config.best_effort_qos_topic_whitelist,
            throttle_period=config.throttle_period),
        twins=twin_settings(config), services=Capability.SERVICES.value in config.capabilities,
        clear_session_on_clock_jump=config.clear_session_on_clock_jump)


def twin_settings(config: BridgeConfig) -> TwinSettings:
    """
    Take what the twins need of the parameters.

    :param config: the bridge's parameters.
    :return: which twins, of which topics, how often and how good.
    """
    return TwinSettings(
        image_twins=config.image_twins, video_twins=config.video_twins,
        cloud_twins=config.cloud_twins,
        image_twin_topic_whitelist=config.image_twin_topic_whitelist,
        image_twin_quality=config.image_twin_quality,
        image_twin_max_rate=config.image_twin_max_rate,
        video_twin_bitrate=config.video_twin_bitrate,
        cloud_twin_topic_whitelist=config.cloud_twin_topic_whitelist,
        cloud_twin_max_points=config.cloud_twin_max_points,
        cloud_twin_max_rate=config.cloud_twin_max_rate)


def _server(hub: Hub, effects: Callable[[Sequence[Effect]], None], config: BridgeConfig,
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


def _forget_services(caller: ServiceCaller, change: GraphChange) -> None:
    """Drop the clients of services that left the graph (on the executor thread)."""
    caller.forget(change.removed_services)


def _read_graph_again(reader: ConnectionGraphReader, change: GraphChange) -> None:
    """Read the connection graph again now that the graph changed (on the executor thread)."""
    reader.graph_changed()
