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
The sans-I/O core: channels, client sessions, subscriptions and per-client send queues.

A :class:`Hub` owns every channel and every connected client's :class:`ClientSession`. The
server feeds it client frames and the ROS side feeds it graph changes and message batches; the
hub answers by putting frames on each client's :class:`SendQueue` and by returning
effects (start or stop a ROS subscription, replay latched messages) for the caller to
carry out. Nothing here touches a socket, a thread or ROS, so all of it is tested with plain
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import time
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.protocol import Channel, ProtocolError, StatusLevel
from foxglove_bridge_py.send_scheduler import DROP_STATUS_ID, SendScheduler

SEND_BUFFER_STATUS_ID = DROP_STATUS_ID
CONTROL_BUFFER_LIMIT = 32 * 1024 * 1024
"""Bytes of replies and statuses queued for one client before it is closed for not reading."""
REQUEST_SLICE = 2000
"""Entries of one request handled before other clients get a turn: no request holds the loop."""
REFUSED_IDS_SHOWN = 5
"""Ids named in one status about a request's refused entries; the rest are counted."""
DIAGNOSTIC_OK, DIAGNOSTIC_ERROR, DIAGNOSTIC_STALE = 0, 2, 3
GRAPH_OFF, GRAPH_WAITING, GRAPH_ON = 0, 1, 2
"""A client's connection-graph subscription: none, waiting for its full graph, receiving diffs."""
ADVERTISE_BATCH = 100
MAX_ASSET_REQUESTS_PER_CLIENT = 1024
"""Asset requests one client may have waiting (the app asks for every mesh of a robot at
once); more are refused at once. A waiting request holds no file data."""
MAX_SERVICE_CALLS_PER_CLIENT = 32
"""Calls one client may have in flight, as the SDK allows; more get "Too many requests"."""
"""Channels per ``advertise`` message sent to a new client, as the SDK batches them."""

Frame = Union[str, bytes]


@dataclass(frozen=True)
class ChannelSpec:
    """A channel the ROS side found: a (topic, type) pair and its schema, if known."""

    topic: str
    schema_name: str
    schema: str
    schema_encoding: Optional[str]
    encoding: str = 'cdr'

    @property
    def key(self) -> tuple[str, str]:
        """
        Identify the channel by topic and type.

        :return: ``(topic, schema_name)``.
        """
        return self.topic, self.schema_name


@dataclass(frozen=True)
class StartSubscription:
    """Effect: the first client subscribed to a channel; subscribe to its ROS topic."""

    channel: Channel


@dataclass(frozen=True)
class StopSubscription:
    """Effect: the last client unsubscribed from a channel; drop its ROS subscription."""

    channel_id: int


@dataclass(frozen=True)
class ReplayLatched:
    """Effect: a client joined an active channel; send it the channel's latched messages."""

    channel_id: int
    client_id: int


@dataclass(frozen=True)
class CreatePublisher:
    """Effect: a client advertised a channel; create a ROS publisher for it."""

    client_id: int
    channel: protocol.ClientChannel


@dataclass(frozen=True)
class DestroyPublisher:
    """Effect: a client unadvertised a channel or left; destroy its ROS publisher."""

    client_id: int
    channel_id: int


@dataclass(frozen=True)
class PublishMessage:
    """Effect: publish a client's message (CDR bytes) on its channel's ROS publisher."""

    client_id: int
    channel_id: int
    payload: bytes


@dataclass(frozen=True)
class ServiceSpec:
    """A service the ROS side found, with its request and response definitions if known."""

    name: str
    type: str  # noqa: A003 - the wire format's name
    request_schema: Optional[str] = None
    response_schema: Optional[str] = None
    schema_encoding: str = 'ros2msg'


@dataclass(frozen=True)
class CallService:
    """Effect: a client called a service; call it and answer with :meth:`Hub.service_done`."""

    client_id: int
    service: protocol.Service
    call_id: int
    encoding: str
    payload: bytes


@dataclass(frozen=True)
class GetParams:
    """Effect: get parameters (all when ``names`` is empty) and answer with ``parameterValues``."""

    client_id: int
    names: tuple[str, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class SetParams:
    """Effect: set parameters; answer with ``parameterValues`` if the request had an id."""

    client_id: int
    parameters: tuple[protocol.Parameter, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class FetchAsset:
    """Effect: read an asset and answer with :meth:`Hub.asset_done`."""

    client_id: int
    uri: str
    request_id: int


@dataclass(frozen=True)
class PlaybackControl:
    """Effect: a client asked to play, pause, seek or change speed."""

    request: protocol.PlaybackControlRequest


@dataclass(frozen=True)
class RefreshGraph:
    """Effect: a client subscribed to the connection graph; read the graph now."""


@dataclass(frozen=True)
class ConnectionGraph:
    """Who publishes, subscribes to and provides what: name to the ids of nodes."""

    published: dict = field(default_factory=dict)
    subscribed: dict = field(default_factory=dict)
    services: dict = field(default_factory=dict)

    def diff(self, new: ConnectionGraph) -> Optional[str]:
        """
        Encode what changed from this graph to ``new`` as a ``connectionGraphUpdate``.

        A topic is removed only when it has neither publishers nor subscribers left; one that
        lost all its publishers but has subscribers is sent with empty ``publisherIds``.

        :param new: the graph now.
        :return: the JSON text, or None if nothing changed.
        """
        topics_before = self.published.keys() | self.subscribed.keys()
        topics_now = new.published.keys() | new.subscribed.keys()
        published = {t: ids for t, ids in new.published.items() if self.published.get(t) != ids}
        published.update({t: () for t in self.published.keys() - new.published.keys()
                          if t in topics_now})
        subscribed = {t: ids for t, ids in new.subscribed.items()
                      if self.subscribed.get(t) != ids}
        subscribed.update({t: () for t in self.subscribed.keys() - new.subscribed.keys()
                           if t in topics_now})
        services = {s: ids for s, ids in new.services.items() if self.services.get(s) != ids}
        removed_topics = topics_before - topics_now
        removed_services = self.services.keys() - new.services.keys()
        if not (published or subscribed or services or removed_topics or removed_services):
            return None
        return protocol.connection_graph_update(
            published=published, subscribed=subscribed, services=services,
            removed_topics=removed_topics, removed_services=removed_services)


Effect = Union[StartSubscription, StopSubscription, ReplayLatched, CreatePublisher,
               DestroyPublisher, PublishMessage, CallService, GetParams, SetParams,
               RefreshGraph, FetchAsset, PlaybackControl]


@dataclass
class _Subscriber:
    subscription_id: int
    replayed_until: int = -1


class ClientSession:
    """One connected client: its subscriptions and its send scheduler."""

    def __init__(self, client_id: int, name: str, queue: SendScheduler) -> None:
        """
        Create a session.

        :param client_id: a number unique among this hub's clients.
        :param name: a label for logs, such as the peer address.
        :param queue: the client's send scheduler.
        """
        self.client_id = client_id
        self.name = name
        self.queue = queue
        self.subscriptions: dict[int, int] = {}
        self.channel_subscriptions: dict[int, int] = {}
        self.client_channels: dict[int, protocol.ClientChannel] = {}
        self.calls_in_flight: set[int] = set()
        self.assets_in_flight = 0
        self.parameter_names: set[str] = set()
        self.graph = GRAPH_OFF
        self.all_parameters = False

    def __hash__(self) -> int:
        return self.client_id

    def __eq__(self, other: object) -> bool:
        return self is other

    def send_status(self, level: StatusLevel, message: str, status_id: Optional[str] = None
                    ) -> None:
        """
        Queue a status message for this client; identical ones still waiting are merged.

        :param level: info, warning or error.
        :param message: the text.
        :param status_id: optional id for replacing or removing it later.
        """
        self.queue.put_status(level, message, status_id)


class _Refusals:
    """
    The entries of one request that were refused, reported as one status per reason.

    A request naming 100,000 unknown channels gets one status naming the first few and the
    count, not 100,000 statuses.
    """

    def __init__(self) -> None:
        self._by_reason: dict[tuple[StatusLevel, str, str], list] = {}

    def add(self, level: StatusLevel, one: str, many: str, value: object) -> None:
        """
        Note a refused entry.

        :param level: the status level.
        :param one: the message for one refusal, with ``{}`` for the value.
        :param many: the message for several, with ``{}`` for the list of values.
        :param value: the refused id.
        """
        entry = self._by_reason.setdefault((level, one, many), [[], 0])
        if len(entry[0]) < REFUSED_IDS_SHOWN:
            entry[0].append(value)
        entry[1] += 1

    def report(self, session: ClientSession) -> None:
        """
        Send the client one status per reason.

        :param session: the client that made the request.
        """
        for (level, one, many), (shown, count) in self._by_reason.items():
            if count == 1:
                session.send_status(level, one.format(shown[0]))
                continue
            values = ', '.join(str(v) for v in shown)
            if count > len(shown):
                values += f' and {count - len(shown)} more'
            session.send_status(level, many.format(values))


class Hub:
    """All channels and clients of one bridge; lives on the asyncio thread."""

    def __init__(self, *, server_name: str, capabilities: Sequence[str],
                 supported_encodings: Sequence[str], metadata: dict, session_id: str,
                 send_buffer_limit: int, clock: Callable[[], float] = time.monotonic,
                 client_topic_allowed: Optional[Callable[[str], bool]] = None,
                 on_client_count: Optional[Callable[[int], None]] = None,
                 max_subscriptions: int = 0, max_client_channels: int = 0,
                 max_message_age: float = 0.0,
                 control_buffer_limit: int = CONTROL_BUFFER_LIMIT) -> None:
        """
        Create a hub.

        :param server_name: shown by the app.
        :param capabilities: capabilities offered in ``serverInfo``.
        :param supported_encodings: encodings clients may publish with.
        :param metadata: ``serverInfo`` metadata.
        :param session_id: this server instance's session id.
        :param send_buffer_limit: bytes of data queued per client before dropping.
        :param clock: monotonic seconds.
        :param client_topic_allowed: tells whether clients may publish on a topic.
        :param on_client_count: told the number of clients when one connects or leaves.
        :param max_subscriptions: subscriptions one client may hold (0: no limit).
        :param max_client_channels: channels one client may advertise (0: no limit).
        :param max_message_age: seconds after which queued data is dropped unsent (0: never).
        :param control_buffer_limit: bytes of control frames queued for one client before it
            is to be closed.
        """
        self.max_message_age = max_message_age
        self.control_buffer_limit = control_buffer_limit
        self.max_subscriptions = max_subscriptions
        self.max_client_channels = max_client_channels
        self._on_client_count = on_client_count
        self.client_topic_allowed = client_topic_allowed
        self.server_name = server_name
        self.capabilities = tuple(capabilities)
        self.supported_encodings = tuple(supported_encodings)
        self.metadata = dict(metadata)
        self.session_id = session_id
        self.data_range: Optional[tuple[int, int]] = None
        self.send_buffer_limit = send_buffer_limit
        self.channels: dict[int, Channel] = {}
        self.sessions: dict[int, ClientSession] = {}
        self._channel_by_key: dict[tuple[str, str], int] = {}
        self._subscribers: dict[int, dict[ClientSession, _Subscriber]] = {}
        self._next_channel_id = 1
        self._next_client_id = 1
        self._clock = clock
        self._statuses: dict[str, str] = {}
        self.services: dict[int, protocol.Service] = {}
        self._graph: Optional[ConnectionGraph] = None
        self._service_by_name: dict[str, int] = {}
        self._next_service_id = 1
        self._channel_statuses: dict[int, set[str]] = {}

    # --- clients -------------------------------------------------------------------------------

    def server_info(self) -> str:
        """
        Encode this server's ``serverInfo``.

        :return: the JSON text.
        """
        return protocol.server_info(
            name=self.server_name, capabilities=self.capabilities,
            supported_encodings=self.supported_encodings, metadata=self.metadata,
            session_id=self.session_id, data_range=self.data_range)

    def connect(self, name: str) -> ClientSession:
        """
        Add a client and queue its greeting: ``serverInfo`` then ``advertise``.

        :param name: a label for logs.
        :return: the client's session.
        """
        queue = SendScheduler(self.send_buffer_limit, control_limit=self.control_buffer_limit,
                              clock=self._clock, max_age=self.max_message_age,
                              describe_channel=self._describe_channel)
        session = ClientSession(self._next_client_id, name, queue)
        self._next_client_id += 1
        self.sessions[session.client_id] = session
        if self._on_client_count is not None:
            self._on_client_count(len(self.sessions))
        session.queue.put_control(self.server_info())
        channels = list(self.channels.values())
        for start in range(0, len(channels), ADVERTISE_BATCH):
            session.queue.put_control(protocol.advertise(channels[start:start + ADVERTISE_BATCH]))
        if not channels:
            session.queue.put_control(protocol.advertise([]))
        if self.services:
            session.queue.put_control(protocol.advertise_services(list(self.services.values())))
        for text in self._statuses.values():
            session.queue.put_control(text)
        return session

    def _describe_channel(self, channel_id: int) -> str:
        channel = self.channels.get(channel_id)
        return channel.topic if channel is not None else f'channel {channel_id}'

    def clear_session(self, session_id: str) -> None:
        """
        Start a new session: send every client a ``serverInfo`` with a new session id.

        Connections, channels and subscriptions stay; the app resets its state (timeline,
        problems, caches), so the bridge's standing statuses are sent again after it.

        :param session_id: the new session id.
        """
        self.session_id = session_id
        frames = [self.server_info(), *self._statuses.values()]
        for session in self.sessions.values():
            for frame in frames:
                session.queue.put_control(frame)

    # --- the bridge's own statuses -------------------------------------------------------------

    def set_status(self, status_id: str, level: StatusLevel, message: str) -> None:
        """
        Report a standing problem to every client, now and on connect, until it is cleared.

        :param status_id: a stable id; a new status with the same id replaces the old one.
        :param level: warning or error (or info).
        :param message: the text.
        """
        text = protocol.status(level, message, status_id)
        if self._statuses.get(status_id) == text:
            return
        self._statuses[status_id] = text
        for session in self.sessions.values():
            session.queue.put_control(text)

    def clear_status(self, status_ids: Iterable[str]) -> None:
        """
        Withdraw standing problems with ``removeStatus``; unknown ids are ignored.

        :param status_ids: the ids.
        """
        removed = [i for i in status_ids if self._statuses.pop(i, None) is not None]
        if removed:
            text = protocol.remove_status(removed)
            for session in self.sessions.values():
                session.queue.put_control(text)

    def apply_diagnostics(self, entries: Iterable[tuple[str, int, str]]) -> None:
        """
        Mirror /diagnostics: WARN, ERROR and STALE entries become statuses, OK ones go.

        :param entries: ``(name, level, message)``, level as in diagnostic_msgs/DiagnosticStatus
            (0 OK, 1 WARN, 2 ERROR, 3 STALE).
        """
        for name, level, message in entries:
            status_id = f'diagnostics:{name}'
            if level == DIAGNOSTIC_OK:
                self.clear_status([status_id])
            elif level == DIAGNOSTIC_ERROR:
                self.set_status(status_id, StatusLevel.ERROR, f'{name}: {message}')
            elif level == DIAGNOSTIC_STALE:
                self.set_status(status_id, StatusLevel.WARNING, f'{name}: stale ({message})')
            else:
                self.set_status(status_id, StatusLevel.WARNING, f'{name}: {message}')

    def status_ids(self) -> list[str]:
        """
        List the ids of the standing problems.

        :return: the ids.
        """
        return list(self._statuses)

    def channel_problem(self, channel_id: int, kind: str, level: StatusLevel,
                        message: str) -> None:
        """
        Report a problem with a channel until it is solved.

        A problem is withdrawn when its channel goes; a ``subscription`` or ``qos`` problem
        also when the channel's last subscriber leaves.

        :param channel_id: the channel.
        :param kind: ``schema``, ``subscription`` or ``qos``.
        :param level: warning or error.
        :param message: the text.
        """
        channel = self.channels.get(channel_id)
        if channel is None:
            return
        status_id = f'foxglove_bridge_py.{kind}:{channel.topic}:{channel.schema_name}'
        self._channel_statuses.setdefault(channel_id, set()).add(status_id)
        self.set_status(status_id, level, message)

    def _clear_channel_problems(self, channel_id: int, kinds: tuple[str, ...]) -> None:
        ids = self._channel_statuses.get(channel_id)
        if not ids:
            return
        prefixes = tuple(f'foxglove_bridge_py.{kind}:' for kind in kinds)
        cleared = {i for i in ids if i.startswith(prefixes)}
        ids -= cleared
        self.clear_status(sorted(cleared))

    def disconnect(self, session: ClientSession) -> list[Effect]:
        """
        Remove a client and release its subscriptions.

        :param session: the client's session.
        :return: effects for channels that lost their last subscriber.
        """
        if self.sessions.pop(session.client_id, None) is not None and (
                self._on_client_count is not None):
            self._on_client_count(len(self.sessions))
        effects = []
        for channel_id in list(session.channel_subscriptions):
            effects.extend(self._remove_subscriber(session, channel_id))
        effects.extend(DestroyPublisher(session.client_id, channel_id)
                       for channel_id in session.client_channels)
        session.client_channels.clear()
        session.subscriptions.clear()
        session.channel_subscriptions.clear()
        return effects

    def handle_frame(self, session: ClientSession, frame: Union[str, bytes]) -> list[Effect]:
        """
        Handle one frame from a client; bad input gets a status reply, never an exception.

        :param session: the sending client.
        :param frame: the text or binary frame.
        :return: effects for the caller to carry out.
        """
        effects: list[Effect] = []
        for sliced in self.handle_frame_in_slices(session, frame):
            effects.extend(sliced)
        return effects

    def handle_frame_in_slices(self, session: ClientSession, frame: Union[str, bytes]
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
        try:
            if isinstance(frame, str):
                message = protocol.decode_text(frame)
            else:
                message = protocol.decode_binary(frame)
        except ProtocolError as exc:
            session.send_status(StatusLevel.ERROR, str(exc))
            return
        capability = protocol.OP_CAPABILITY.get(type(message))
        if capability is not None and capability.value not in self.capabilities:
            self._refuse_missing_capability(session, message, capability.value)
            return
        sliced = self._SLICED_HANDLERS.get(type(message))
        if sliced is not None:
            field_name, handler = sliced
            entries = getattr(message, field_name)
            refusals = _Refusals()
            for start in range(0, max(1, len(entries)), REQUEST_SLICE):
                part = replace(message, **{field_name: entries[start:start + REQUEST_SLICE]})
                yield handler(self, session, part, refusals)
            refusals.report(session)
            return
        handler = self._HANDLERS.get(type(message))
        if handler is None:
            # Every op with a handler-less type is gated by a capability this bridge lacks.
            self._refuse_missing_capability(session, message, capability.value)
            return
        yield handler(self, session, message)

    @staticmethod
    def _refuse_missing_capability(session: ClientSession, message: object,
                                   capability: str) -> None:
        if isinstance(message, protocol.ServiceCallRequest):
            session.queue.put_control(protocol.service_call_failure(
                message.service_id, message.call_id, 'Server does not support services'))
            return
        session.send_status(StatusLevel.ERROR,
                            f'Server does not support the "{capability}" capability; '
                            f'{type(message).__name__} ignored')

    def _on_subscribe(self, session: ClientSession, message: protocol.Subscribe,
                      refusals: _Refusals) -> list[Effect]:
        effects: list[Effect] = []
        subscribed: list[int] = []
        for sub_id, channel_id in message.subscriptions:
            channel = self.channels.get(channel_id)
            if channel is None:
                refusals.add(StatusLevel.ERROR, 'Unknown channel ID: {}; ignoring subscription',
                             'Unknown channel IDs: {}; ignoring these subscriptions',
                             channel_id)
                continue
            if sub_id in session.subscriptions:
                refusals.add(StatusLevel.ERROR, 'Subscription ID was already used: {}; '
                             'ignoring subscription', 'Subscription IDs were already used: {}; '
                             'ignoring these subscriptions', sub_id)
                continue
            if channel_id in session.channel_subscriptions:
                refusals.add(StatusLevel.WARNING, 'Client is already subscribed to channel {}; '
                             'ignoring subscription', 'Client is already subscribed to '
                             'channels {}; ignoring these subscriptions', channel_id)
                continue
            if self.max_subscriptions and len(session.subscriptions) >= self.max_subscriptions:
                refusals.add(StatusLevel.ERROR, f'Too many subscriptions: at most '
                             f'{self.max_subscriptions}; ignoring subscription {{}}',
                             f'Too many subscriptions: at most {self.max_subscriptions}; '
                             'ignoring subscriptions {}', sub_id)
                continue
            session.subscriptions[sub_id] = channel_id
            session.channel_subscriptions[channel_id] = sub_id
            subscribers = self._subscribers.setdefault(channel_id, {})
            subscribers[session] = _Subscriber(sub_id)
            subscribed.append(channel_id)
            if len(subscribers) == 1:
                effects.append(StartSubscription(channel))
            else:
                effects.append(ReplayLatched(channel_id, session.client_id))
        session.queue.expect_first_messages(subscribed, self._clock())
        return effects

    def _on_unsubscribe(self, session: ClientSession, message: protocol.Unsubscribe,
                        refusals: _Refusals) -> list[Effect]:
        effects: list[Effect] = []
        for sub_id in message.subscription_ids:
            channel_id = session.subscriptions.pop(sub_id, None)
            if channel_id is None:
                refusals.add(StatusLevel.WARNING, 'Subscription ID {} did not exist; ignoring '
                             'unsubscription', 'Subscription IDs {} did not exist; ignoring '
                             'these unsubscriptions', sub_id)
                continue
            del session.channel_subscriptions[channel_id]
            session.queue.forget_channel(channel_id)
            effects.extend(self._remove_subscriber(session, channel_id))
        return effects

    def _on_client_advertise(self, session: ClientSession, message: protocol.ClientAdvertise,
                             refusals: _Refusals) -> list[Effect]:
        effects: list[Effect] = []
        for channel in message.channels:
            if channel.id in session.client_channels:
                refusals.add(StatusLevel.WARNING, 'Client channel {} was already advertised; '
                             'ignoring advertisement', 'Client channels {} were already '
                             'advertised; ignoring these advertisements', channel.id)
                continue
            if channel.encoding not in self.supported_encodings:
                session.send_status(StatusLevel.ERROR, f'Cannot advertise channel {channel.id} '
                                    f'on {channel.topic}: unsupported encoding '
                                    f'"{channel.encoding}" (supported: '
                                    f'{", ".join(self.supported_encodings)})')
                continue
            if not channel.schema_name:
                session.send_status(StatusLevel.ERROR, f'Cannot advertise channel {channel.id} '
                                    f'on {channel.topic}: schemaName is empty; give the ROS '
                                    'message type, e.g. std_msgs/msg/String')
                continue
            if self.client_topic_allowed is not None and not self.client_topic_allowed(
                    channel.topic):
                session.send_status(StatusLevel.ERROR, f'Cannot advertise channel {channel.id} '
                                    f'on {channel.topic}: topic is not in '
                                    'client_topic_whitelist')
                continue
            if self.max_client_channels and len(
                    session.client_channels) >= self.max_client_channels:
                refusals.add(StatusLevel.ERROR, f'Too many client channels: at most '
                             f'{self.max_client_channels}; ignoring channel {{}}',
                             f'Too many client channels: at most {self.max_client_channels}; '
                             'ignoring channels {}', channel.id)
                continue
            session.client_channels[channel.id] = channel
            effects.append(CreatePublisher(session.client_id, channel))
        return effects

    def _on_client_unadvertise(self, session: ClientSession,
                               message: protocol.ClientUnadvertise,
                               refusals: _Refusals) -> list[Effect]:
        effects: list[Effect] = []
        for channel_id in message.channel_ids:
            if session.client_channels.pop(channel_id, None) is None:
                refusals.add(StatusLevel.WARNING, 'Client channel {} was not advertised; '
                             'ignoring unadvertisement', 'Client channels {} were not '
                             'advertised; ignoring these unadvertisements', channel_id)
                continue
            effects.append(DestroyPublisher(session.client_id, channel_id))
        return effects

    def _on_client_message(self, session: ClientSession, message: protocol.ClientMessageData
                           ) -> list[Effect]:
        if message.channel_id not in session.client_channels:
            session.send_status(StatusLevel.ERROR, f'Unknown channel ID: {message.channel_id}; '
                                'advertise it before publishing')
            return []
        return [PublishMessage(session.client_id, message.channel_id, bytes(message.payload))]

    def client_channel_failed(self, session: ClientSession, channel_id: int, reason: str
                              ) -> None:
        """
        Forget a client channel whose ROS publisher could not be created, and say why.

        :param session: the client that advertised it.
        :param channel_id: the client's channel id.
        :param reason: the error, naming the topic and type.
        """
        if session.client_channels.pop(channel_id, None) is not None:
            session.send_status(StatusLevel.ERROR, reason)

    def _on_service_call(self, session: ClientSession, message: protocol.ServiceCallRequest
                         ) -> list[Effect]:
        def fail(text: str) -> list[Effect]:
            session.queue.put_control(protocol.service_call_failure(
                message.service_id, message.call_id, text))
            return []

        service = self.services.get(message.service_id)
        if service is None:
            return fail(f'Unknown service: {message.service_id}')
        if message.encoding not in self.supported_encodings:
            return fail(f'Unsupported encoding "{message.encoding}" (supported: '
                        f'{", ".join(self.supported_encodings)})')
        if message.call_id in session.calls_in_flight:
            return fail(f'Call ID {message.call_id} is already in flight')
        if len(session.calls_in_flight) >= MAX_SERVICE_CALLS_PER_CLIENT:
            return fail(f'Too many requests: {MAX_SERVICE_CALLS_PER_CLIENT} calls are already '
                        'in flight')
        session.calls_in_flight.add(message.call_id)
        return [CallService(session.client_id, service, message.call_id, message.encoding,
                            bytes(message.payload))]

    def service_done(self, client_id: int, service_id: int, call_id: int, encoding: str,
                     payload: Optional[bytes], error: Optional[str] = None) -> None:
        """
        Answer a service call: a ServiceCallResponse, or ``serviceCallFailure`` with ``error``.

        A late answer to a call that already failed (timed out) is dropped.

        :param client_id: the calling client.
        :param service_id: the service.
        :param call_id: the call.
        :param encoding: the response's encoding, the request's.
        :param payload: the serialized response, on success.
        :param error: why the call failed.
        """
        session = self.sessions.get(client_id)
        if session is None or call_id not in session.calls_in_flight:
            return
        session.calls_in_flight.discard(call_id)
        if error is not None:
            session.queue.put_reply(protocol.service_call_failure(service_id, call_id, error))
        else:
            session.queue.put_reply(protocol.service_call_response(
                service_id, call_id, encoding, payload))

    def add_services(self, specs: Iterable[ServiceSpec]) -> list[protocol.Service]:
        """
        Add services and advertise them to every client; known names are skipped.

        :param specs: what the ROS side found.
        :return: the services added.
        """
        added = []
        for spec in specs:
            if spec.name in self._service_by_name:
                continue
            service = protocol.Service(self._next_service_id, spec.name, spec.type,
                                       spec.request_schema, spec.response_schema,
                                       spec.schema_encoding)
            self._next_service_id += 1
            self.services[service.id] = service
            self._service_by_name[spec.name] = service.id
            added.append(service)
        if added:
            text = protocol.advertise_services(added)
            for session in self.sessions.values():
                session.queue.put_control(text)
        return added

    def remove_services(self, names: Iterable[str]) -> None:
        """
        Remove services and unadvertise them.

        :param names: services that left the graph.
        """
        removed = []
        for name in names:
            service_id = self._service_by_name.pop(name, None)
            if service_id is not None:
                del self.services[service_id]
                removed.append(service_id)
        if removed:
            text = protocol.unadvertise_services(removed)
            for session in self.sessions.values():
                session.queue.put_control(text)

    def _on_get_parameters(self, session: ClientSession, message: protocol.GetParameters
                           ) -> list[Effect]:
        return [GetParams(session.client_id, message.names, message.request_id)]

    def _on_set_parameters(self, session: ClientSession, message: protocol.SetParameters
                           ) -> list[Effect]:
        return [SetParams(session.client_id, message.parameters, message.request_id)]

    def _on_subscribe_parameters(self, session: ClientSession,
                                 message: protocol.SubscribeParameterUpdates) -> list[Effect]:
        if not message.names:
            session.all_parameters = True
        session.parameter_names.update(message.names)
        return []

    def _on_unsubscribe_parameters(self, session: ClientSession,
                                   message: protocol.UnsubscribeParameterUpdates
                                   ) -> list[Effect]:
        if not message.names:
            session.all_parameters = False
            session.parameter_names.clear()
        session.parameter_names.difference_update(message.names)
        return []

    def parameter_values(self, client_id: int, parameters: Sequence[protocol.Parameter],
                         request_id: Optional[str]) -> None:
        """
        Answer a client's get or set with ``parameterValues``.

        :param client_id: the client.
        :param parameters: the parameters.
        :param request_id: the request's id, if it had one.
        """
        session = self.sessions.get(client_id)
        if session is not None:
            session.queue.put_control(protocol.parameter_values(parameters, request_id))

    def parameter_updates(self, parameters: Sequence[protocol.Parameter]) -> None:
        """
        Push changed parameters to the clients subscribed to them (by node and name).

        :param parameters: what changed; unset ones have no value.
        """
        for session in self.sessions.values():
            wanted = [p for p in parameters
                      if session.all_parameters or p.name in session.parameter_names]
            if wanted:
                session.queue.put_control(protocol.parameter_values(wanted))

    def client_status(self, client_id: int, level: StatusLevel, message: str) -> None:
        """
        Send one client a status.

        :param client_id: the client.
        :param level: info, warning or error.
        :param message: the text.
        """
        session = self.sessions.get(client_id)
        if session is not None:
            session.send_status(level, message)

    def _on_subscribe_graph(self, session: ClientSession,
                            message: protocol.SubscribeConnectionGraph) -> list[Effect]:
        if session.graph != GRAPH_OFF:
            return []
        session.graph = GRAPH_WAITING
        return [RefreshGraph()]

    def _on_unsubscribe_graph(self, session: ClientSession,
                              message: protocol.UnsubscribeConnectionGraph) -> list[Effect]:
        session.graph = GRAPH_OFF
        return []

    def graph_subscriber_count(self) -> int:
        """
        Count the clients subscribed to the connection graph.

        :return: the count.
        """
        # list() copies in one step, so another thread may ask while clients come and go.
        return sum(1 for s in list(self.sessions.values()) if s.graph != GRAPH_OFF)

    def graph_update(self, graph: ConnectionGraph) -> None:
        """
        Send the connection graph: in full to clients that just subscribed, else what changed.

        :param graph: the graph now.
        """
        full = ConnectionGraph().diff(graph) or protocol.connection_graph_update()
        changes = self._graph.diff(graph) if self._graph is not None else full
        self._graph = graph
        for session in self.sessions.values():
            if session.graph == GRAPH_WAITING:
                session.graph = GRAPH_ON
                session.queue.put_control(full)
            elif session.graph == GRAPH_ON and changes is not None:
                session.queue.put_control(changes)

    def _on_fetch_asset(self, session: ClientSession, message: protocol.FetchAsset
                        ) -> list[Effect]:
        if session.assets_in_flight >= MAX_ASSET_REQUESTS_PER_CLIENT:
            session.queue.put_control(protocol.fetch_asset_response(
                message.request_id, error=f'Too many requests: {MAX_ASSET_REQUESTS_PER_CLIENT} '
                'asset requests are already waiting'))
            return []
        session.assets_in_flight += 1
        return [FetchAsset(session.client_id, message.uri, message.request_id)]

    def asset_done(self, client_id: int, request_id: int, data: bytes = b'',
                   error: Optional[str] = None) -> None:
        """
        Answer a ``fetchAsset`` with a FetchAssetResponse: the bytes, or the error.

        :param client_id: the client.
        :param request_id: the request answered.
        :param data: the asset, on success.
        :param error: why it failed.
        """
        session = self.sessions.get(client_id)
        if session is not None:
            session.assets_in_flight = max(0, session.assets_in_flight - 1)
            session.queue.put_reply(protocol.fetch_asset_response(request_id, data=data,
                                                                  error=error))

    def _on_playback_control(self, session: ClientSession,
                             message: protocol.PlaybackControlRequest) -> list[Effect]:
        return [PlaybackControl(message)]

    def broadcast(self, frame: Union[str, bytes], after_data: bool = False) -> None:
        """
        Send every client a frame on the reliable path.

        :param frame: JSON text or a binary frame.
        :param after_data: behind the data already queued, not ahead of it.
        """
        for session in self.sessions.values():
            session.queue.put_control(frame, after_data)

    _HANDLERS = {
        protocol.PlaybackControlRequest: _on_playback_control,
        protocol.FetchAsset: _on_fetch_asset,
        protocol.SubscribeConnectionGraph: _on_subscribe_graph,
        protocol.UnsubscribeConnectionGraph: _on_unsubscribe_graph,
        protocol.GetParameters: _on_get_parameters,
        protocol.SetParameters: _on_set_parameters,
        protocol.SubscribeParameterUpdates: _on_subscribe_parameters,
        protocol.UnsubscribeParameterUpdates: _on_unsubscribe_parameters,
        protocol.ServiceCallRequest: _on_service_call,
        protocol.ClientMessageData: _on_client_message,
    }

    _SLICED_HANDLERS = {
        protocol.Subscribe: ('subscriptions', _on_subscribe),
        protocol.Unsubscribe: ('subscription_ids', _on_unsubscribe),
        protocol.ClientAdvertise: ('channels', _on_client_advertise),
        protocol.ClientUnadvertise: ('channel_ids', _on_client_unadvertise),
    }

    def _remove_subscriber(self, session: ClientSession, channel_id: int) -> list[Effect]:
        subscribers = self._subscribers.get(channel_id)
        if not subscribers or session not in subscribers:
            return []
        del subscribers[session]
        if subscribers:
            return []
        del self._subscribers[channel_id]
        self._clear_channel_problems(channel_id, ('subscription', 'qos'))
        return [StopSubscription(channel_id)]

    # --- channels ------------------------------------------------------------------------------

    def channel_id(self, topic: str, schema_name: str) -> Optional[int]:
        """
        Find the channel of a (topic, type) pair.

        :param topic: the topic.
        :param schema_name: the type.
        :return: the channel id, or None.
        """
        return self._channel_by_key.get((topic, schema_name))

    def add_channels(self, specs: Iterable[ChannelSpec]) -> list[Channel]:
        """
        Add channels and advertise them to every client; known (topic, type) pairs are skipped.

        :param specs: what the ROS side found.
        :return: the channels added.
        """
        added = []
        for spec in specs:
            if spec.key in self._channel_by_key:
                continue
            channel = Channel(self._next_channel_id, spec.topic, spec.encoding, spec.schema_name,
                              spec.schema, spec.schema_encoding)
            self._next_channel_id += 1
            self.channels[channel.id] = channel
            self._channel_by_key[spec.key] = channel.id
            added.append(channel)
        for start in range(0, len(added), ADVERTISE_BATCH):
            text = protocol.advertise(added[start:start + ADVERTISE_BATCH])
            for session in self.sessions.values():
                session.queue.put_control(text)
        for channel in added:
            if not channel.schema:
                self.channel_problem(
                    channel.id, 'schema', StatusLevel.WARNING,
                    f'No message definition found for {channel.schema_name} (topic '
                    f'{channel.topic}): install its package where the bridge runs so the app '
                    'can decode it')
        return added

    def remove_channels(self, keys: Iterable[tuple[str, str]]) -> list[Effect]:
        """
        Remove channels, unadvertise them and drop their clients' subscriptions.

        :param keys: ``(topic, type)`` pairs that left the graph.
        :return: effects stopping the ROS subscriptions of removed channels.
        """
        removed = []
        effects: list[Effect] = []
        for key in keys:
            channel_id = self._channel_by_key.pop(key, None)
            if channel_id is None:
                continue
            del self.channels[channel_id]
            removed.append(channel_id)
            subscribers = self._subscribers.pop(channel_id, None)
            if subscribers:
                for session in subscribers:
                    sub_id = session.channel_subscriptions.pop(channel_id, None)
                    session.subscriptions.pop(sub_id, None)
                    session.queue.forget_channel(channel_id)
                effects.append(StopSubscription(channel_id))
        if removed:
            text = protocol.unadvertise(removed)
            for session in self.sessions.values():
                session.queue.put_control(text)
        for channel_id in removed:
            self._clear_channel_problems(channel_id, ('schema', 'subscription', 'qos'))
            self._channel_statuses.pop(channel_id, None)
        return effects

    def broadcast_status(self, level: StatusLevel, message: str,
                         status_id: Optional[str] = None) -> None:
        """
        Send a status to every client.

        :param level: info, warning or error.
        :param message: the text.
        :param status_id: optional id.
        """
        text = protocol.status(level, message, status_id)
        for session in self.sessions.values():
            session.queue.put_control(text)

    def broadcast_time(self, timestamp_ns: int) -> None:
        """
        Send every client the server's current time.

        :param timestamp_ns: the time in nanoseconds.
        """
        frame = protocol.time_frame(timestamp_ns)
        for session in self.sessions.values():
            session.queue.put_time(frame)

    def subscriber_count(self, channel_id: int) -> int:
        """
        Count the clients subscribed to a channel.

        :param channel_id: the channel.
        :return: the count.
        """
        return len(self._subscribers.get(channel_id, ()))

    # --- data ----------------------------------------------------------------------------------

    def deliver(self, batch: Sequence[tuple[int, int, int, bytes]]) -> None:
        """
        Fan a batch of ROS messages out to the subscribed clients' queues.

        :param batch: ``(channel_id, sequence, log_time_ns, payload)`` tuples in arrival order.
        """
        pack = protocol.MESSAGE_DATA_HEADER.pack
        opcode = protocol.ServerBinaryOpcode.MESSAGE_DATA
        subscribers_of = self._subscribers.get
        # One arrival time for the batch: it left ROS within a millisecond.
        now = self._clock()
        for channel_id, sequence, log_time, payload in batch:
            subscribers = subscribers_of(channel_id)
            if not subscribers:
                continue
            for session, sub in subscribers.items():
                if sequence > sub.replayed_until:
                    session.queue.put_data(channel_id, pack(opcode, sub.subscription_id,
                                                            log_time), payload, now)

    def replay(self, client_id: int, channel_id: int,
               messages: Sequence[tuple[int, int, bytes]]) -> None:
        """
        Send a late joiner the latched messages of a channel, before its live data.

        Messages with a sequence number up to the last replayed one are then not sent again
        when they arrive in a batch that was already on its way.

        :param client_id: the client that subscribed.
        :param channel_id: the channel.
        :param messages: ``(sequence, log_time_ns, payload)`` tuples, oldest first.
        """
        session = self.sessions.get(client_id)
        sub = self._subscribers.get(channel_id, {}).get(session)
        if sub is None:
            return
        now = self._clock()
        for sequence, log_time, payload in messages:
            session.queue.put_data(channel_id, protocol.message_data_header(
                sub.subscription_id, log_time), payload, now, latched=True)
            sub.replayed_until = max(sub.replayed_until, sequence)
