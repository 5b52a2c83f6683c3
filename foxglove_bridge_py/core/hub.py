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
The sans-I/O core: clients, channels, subscriptions, fan-out and statuses.

A :class:`Hub` owns every channel and every connected client's :class:`ClientSession`. The
server feeds it client frames and the sources (the live ROS graph, or a recording) feed it
channels and message batches; the hub answers by putting frames on each client's
:class:`SendQueue` and by returning effects, which the caller hands to :attr:`Hub.effects`.
What a source tells of its graph reaches the hub as a :class:`~.seams.SourceEvents`, which the
hub is. Every other op belongs to a capability (``capabilities/``) registered with
:meth:`Hub.register`. Nothing here touches a socket, a thread or ROS, so all of it is tested
with plain values.
"""

from __future__ import annotations

from dataclasses import replace
import time
from typing import Callable, Iterable, Iterator, Optional, Sequence, TypeVar

from foxglove_bridge_py import protocol
from foxglove_bridge_py.access.grant import Grant, OPEN, refusal
from foxglove_bridge_py.core.client_session import (ClientSession, Effect, send_to_each,
                                                    TextOrBinary)
from foxglove_bridge_py.core.effect_table import EffectTable
from foxglove_bridge_py.core.fanout import Fanout
from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.ops import CapabilityModule, Route
from foxglove_bridge_py.core.statuses import Statuses
from foxglove_bridge_py.protocol import Capability, Channel, ProtocolError, StatusLevel
from foxglove_bridge_py.send_path.send_queue import SendQueue

CONTROL_BUFFER_LIMIT = 32 * 1024 * 1024
"""Bytes of replies and statuses queued for one client before it is closed for not reading."""
ADVERTISE_BATCH = 100
"""Channels per ``advertise`` message sent to a new client, as the SDK batches them."""
PROTOCOL_CAPABILITIES = frozenset(c.value for c in Capability)

Registered = TypeVar('Registered', bound=CapabilityModule)
Key = TypeVar('Key', str, int)


class Hub:
    """
    All channels and clients of one bridge; lives on the asyncio thread.

    It is the :class:`~foxglove_bridge_py.core.seams.SourceEvents` of the sources: what a
    source tells of its graph is applied here, on the loop.
    """

    def __init__(self, *, server_name: str, capabilities: Sequence[str],
                 supported_encodings: Sequence[str], metadata: dict, session_id: str,
                 send_buffer_limit: int, clock: Callable[[], float] = time.monotonic,
                 on_client_count: Optional[Callable[[int], None]] = None,
                 max_subscriptions: int = 0, max_message_age: float = 0.0,
                 control_buffer_limit: int = CONTROL_BUFFER_LIMIT,
                 max_queued_messages: int = 0) -> None:
        """
        Create a hub.

        :param server_name: shown by the app.
        :param capabilities: capabilities offered in ``serverInfo``.
        :param supported_encodings: encodings clients may publish and call services with.
        :param metadata: ``serverInfo`` metadata.
        :param session_id: this server instance's session id.
        :param send_buffer_limit: bytes of data queued per client before dropping.
        :param clock: monotonic seconds.
        :param on_client_count: told the number of clients when one connects or leaves.
        :param max_subscriptions: subscriptions one client may hold (0: no limit).
        :param max_message_age: seconds after which queued data is dropped unsent (0: never).
        :param control_buffer_limit: bytes of control frames queued for one client before it
            is to be closed.
        :param max_queued_messages: data messages queued per client before the oldest are
            dropped (``message_backlog_size``; 0: only the bytes bound them).
        """
        self.server_name = server_name
        self.capabilities = tuple(capabilities)
        self.supported_encodings = tuple(supported_encodings)
        self.metadata = dict(metadata)
        self.session_id = session_id
        self.data_range: Optional[tuple[int, int]] = None
        self.send_buffer_limit = send_buffer_limit
        self.max_subscriptions = max_subscriptions
        self.max_message_age = max_message_age
        self.control_buffer_limit = control_buffer_limit
        self.max_queued_messages = max_queued_messages
        self.on_client_count = on_client_count
        self.clock = clock
        self.channels: dict[int, Channel] = {}
        self.sessions: dict[int, ClientSession] = {}
        self.statuses = Statuses(self.broadcast)
        self.effects = EffectTable()
        """What carries out the effects the hub and its capabilities return, by type."""
        self._channel_by_key: dict[tuple[str, str], int] = {}
        self._next_channel_id = 1
        self._next_client_id = 1
        self._capabilities: list[CapabilityModule] = []
        self._text_routes: dict[str, Route] = {}
        self._binary_routes: dict[int, Route] = {}
        self.fanout = self.register(Fanout(self.channels, self.sessions, self.statuses, clock,
                                           max_subscriptions))

    def register(self, capability: Registered) -> Registered:
        """
        Add a capability's routes to the dispatch table and its hooks to connect and leave.

        A bridge's own capability (:attr:`CapabilityModule.offers`) is offered from now on,
        and its effects are mapped in :attr:`effects`.

        :param capability: the capability, built on this hub.
        :return: the capability, for the caller to keep.
        :raises ValueError: if one of its ops is already registered, or it would offer one of
            the protocol's capabilities, which the ``capabilities`` parameter chooses.
        """
        offers = capability.offers
        if offers in PROTOCOL_CAPABILITIES:
            raise ValueError(f"capability {offers} is the protocol's: the capabilities "
                             'parameter offers it')
        for op_route in capability.routes:
            if op_route.opcode is None:
                _add_route(self._text_routes, op_route.name, op_route)
            else:
                _add_route(self._binary_routes, op_route.opcode, op_route)
        self._capabilities.append(capability)
        if offers is not None and offers not in self.capabilities:
            self.capabilities += (offers,)
        capability.map_effects(self.effects)
        return capability

    # --- clients -------------------------------------------------------------------------------

    def server_info(self, grant: Grant = OPEN) -> str:
        """
        Encode this server's ``serverInfo`` for a client: the capabilities its role may use.

        :param grant: the client's rights.
        :return: the JSON text.
        """
        return protocol.server_info(
            name=self.server_name, capabilities=grant.capabilities(self.capabilities),
            supported_encodings=self.supported_encodings, metadata=self.metadata,
            session_id=self.session_id, data_range=self.data_range)

    def connect(self, name: str, grant: Grant = OPEN) -> ClientSession:
        """
        Add a client and queue its greeting: ``serverInfo``, ``advertise``, then the rest.

        :param name: a label for logs.
        :param grant: what it may do and see.
        :return: the client's session.
        """
        queue = SendQueue(self.send_buffer_limit, control_limit=self.control_buffer_limit,
                          clock=self.clock, max_age=self.max_message_age,
                          describe_channel=self.describe_channel,
                          max_messages=self.max_queued_messages)
        session = ClientSession(self._next_client_id, name, queue, grant)
        self._next_client_id += 1
        self.sessions[session.client_id] = session
        if self.on_client_count is not None:
            self.on_client_count(len(self.sessions))
        queue.put_control(self.server_info(grant))
        channels = [c for c in self.channels.values() if grant.sees_topic(c.topic)]
        for start in range(0, max(1, len(channels)), ADVERTISE_BATCH):
            queue.put_control(protocol.advertise(channels[start:start + ADVERTISE_BATCH]))
        for capability in self._capabilities:
            capability.greet(session)
        for text in self.statuses.frames():
            queue.put_control(text)
        return session

    def disconnect(self, session: ClientSession) -> list[Effect]:
        """
        Remove a client and release its subscriptions and what its capabilities held.

        :param session: the client's session.
        :return: effects for channels that lost their last subscriber, and the capabilities'.
        """
        if self.sessions.pop(session.client_id, None) is not None and (
                self.on_client_count is not None):
            self.on_client_count(len(self.sessions))
        effects = []
        for capability in self._capabilities:
            effects.extend(capability.forget(session))
        return effects

    def describe_channel(self, channel_id: int) -> str:
        """
        Name a channel for a status message.

        :param channel_id: the channel.
        :return: its topic, or ``channel N`` once it is gone.
        """
        channel = self.channels.get(channel_id)
        return channel.topic if channel is not None else f'channel {channel_id}'

    def broadcast(self, frame: TextOrBinary, after_data: bool = False) -> None:
        """
        Send every client a frame on the reliable path.

        :param frame: JSON text or a binary frame.
        :param after_data: behind the data already queued, not ahead of it.
        """
        for session in self.sessions.values():
            session.send_queue.put_control(frame, after_data)

    def clear_session(self, session_id: str) -> None:
        """
        Start a new session: send every client a ``serverInfo`` with a new session id.

        Connections, channels and subscriptions stay; the app resets its state (timeline,
        problems, caches), so the bridge's standing statuses are sent again after it.

        :param session_id: the new session id.
        """
        self.session_id = session_id
        for session in self.sessions.values():
            session.send_queue.put_control(self.server_info(session.grant))
        for frame in self.statuses.frames():
            self.broadcast(frame)

    # --- client frames -------------------------------------------------------------------------

    def handle_frame_in_slices(self, session: ClientSession, frame: TextOrBinary
                               ) -> Iterator[list[Effect]]:
        """
        Handle one frame from a client a slice at a time, for the caller to yield in between.

        A request with many entries (subscribe, unsubscribe, advertise, unadvertise) is handled
        :data:`REQUEST_SLICE` entries per step, and the entries it refuses are reported in one
        status per reason after the last step. Bad input gets a status, never an exception.

        :param session: the sending client.
        :param frame: the text or binary frame.
        :return: an iterator of effects, one list per slice.
        """
        if isinstance(frame, str):
            try:
                name, body = protocol.read_text(frame)
            except ProtocolError as exc:
                session.send_status(StatusLevel.ERROR, str(exc))
                return
            op_route = self._text_routes.get(name)
            if op_route is None:
                session.send_status(StatusLevel.ERROR, f'Unrecognized client opcode "{name}"')
                return
            yield from op_route.run(session, body, self._refusal)
            return
        view = memoryview(frame)
        if not view:
            session.send_status(StatusLevel.ERROR, 'Received an empty binary message')
            return
        op_route = self._binary_routes.get(view[0])
        if op_route is None:
            session.send_status(StatusLevel.ERROR, f'Unrecognized client opcode {view[0]}')
            return
        yield from op_route.run(session, view, self._refusal)

    def _refusal(self, session: ClientSession, op_route: Route) -> Optional[str]:
        """Say why a client may not send an op: its role, or a capability not offered."""
        if op_route.acts:
            denied = refusal(session.grant, op_route.name)
            if denied is not None:
                return denied
        gate = op_route.gate
        if gate is None or gate in self.capabilities:
            return None
        if gate == Capability.SERVICES.value:
            return 'Server does not support services'
        return f'Server does not support the "{gate}" capability; {op_route.name} ignored'

    # --- channels ------------------------------------------------------------------------------

    def add_channels(self, found: Iterable[Channel]) -> list[Channel]:
        """
        Add channels and advertise them to every client; known (topic, type) pairs are skipped.

        :param found: what a source found, with id 0.
        :return: the channels added, with their ids.
        """
        added = []
        for spec in found:
            if spec.key in self._channel_by_key:
                continue
            channel = replace(spec, id=self._next_channel_id)
            self._next_channel_id += 1
            self.channels[channel.id] = channel
            self._channel_by_key[channel.key] = channel.id
            added.append(channel)
        send_to_each(self.sessions.values(), added, _sees_channel, _advertise)
        for channel in added:
            if not channel.schema:
                self.statuses.channel_problem(
                    channel, 'schema', StatusLevel.WARNING,
                    f'No message definition found for {channel.schema_name} (topic '
                    f'{channel.topic}): install its package where the bridge runs so the app '
                    'can decode it')
        return added

    def remove_channels(self, keys: Iterable[tuple[str, str]]) -> list[Effect]:
        """
        Remove channels, unadvertise them and drop their clients' subscriptions.

        :param keys: ``(topic, type)`` pairs that left the graph.
        :return: effects stopping the subscriptions of removed channels.
        """
        removed = []
        for key in keys:
            channel_id = self._channel_by_key.pop(key, None)
            if channel_id is None:
                continue
            removed.append(self.channels.pop(channel_id))
        effects = self.fanout.channels_removed([c.id for c in removed])
        send_to_each(self.sessions.values(), removed, _sees_channel, _unadvertise)
        removed_ids = [c.id for c in removed]
        for channel_id in removed_ids:
            self.statuses.clear_channel_problems(channel_id,
                                                 ('schema', 'subscription', 'qos', 'twin'))
        return effects

    def channel_problem(self, channel_id: int, kind: str, level: StatusLevel,
                        message: str) -> None:
        """
        Report a problem with a channel until it is solved.

        A problem is withdrawn when its channel goes; a ``subscription`` or ``qos`` problem
        also when the channel's last subscriber leaves.

        :param channel_id: the channel.
        :param kind: ``schema``, ``subscription``, ``qos`` or ``twin``.
        :param level: warning or error.
        :param message: the text.
        """
        channel = self.channels.get(channel_id)
        if channel is not None:
            self.statuses.channel_problem(channel, kind, level, message)

    def clear_channel_problems(self, channel_id: int, kinds: Sequence[str]) -> None:
        """
        Withdraw a channel's problems of some kinds.

        :param channel_id: the channel.
        :param kinds: the kinds solved.
        """
        self.statuses.clear_channel_problems(channel_id, kinds)

    def channel_latched(self, channel_id: int) -> None:
        """
        Mark a channel latched: late joiners are sent what its publishers kept.

        :param channel_id: the channel.
        """
        self.fanout.channel_latched(channel_id)

    def graph_changed(self, change: GraphChange) -> None:
        """
        Apply what came and went in the source's graph: channels here, the rest by capability.

        The subscriptions of channels that went are stopped through :attr:`effects`.

        :param change: the change.
        """
        self.effects.carry_out(self.remove_channels(change.removed_channels))
        self.add_channels(change.added_channels)
        for capability in self._capabilities:
            capability.graph_changed(change)


def _sees_channel(grant: Grant, channel: Channel) -> bool:
    return grant.sees_topic(channel.topic)


def _advertise(channels: list[Channel]) -> list[str]:
    return [protocol.advertise(channels[start:start + ADVERTISE_BATCH])
            for start in range(0, len(channels), ADVERTISE_BATCH)]


def _unadvertise(channels: list[Channel]) -> list[str]:
    return [protocol.unadvertise([c.id for c in channels])]


def _add_route(table: dict[Key, Route], key: Key, op_route: Route) -> None:
    if key in table:
        raise ValueError(f'op {op_route.name} is registered twice')
    table[key] = op_route
