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
Client publish: channels a client advertises become ROS publishers, its messages ROS messages.

Refusals (an unsupported encoding, an empty type, a topic outside ``client_topic_whitelist``, too
many channels) are statuses to the client; a publisher the ROS side cannot create is forgotten
with a status naming the topic and type.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import Callable, Mapping, Optional, Sequence

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import Audited, ClientSession, Effect
from foxglove_bridge_py.core.ops import BinaryOp, CapabilityModule, route, sliced_route, TextOp
from foxglove_bridge_py.core.refusals import Refusals
from foxglove_bridge_py.protocol import ClientBinaryOpcode, JsonObject, ProtocolError, StatusLevel

CLIENT_MESSAGE_HEADER = struct.Struct('<BI')
"""ClientMessageData: opcode, client channel id; the message bytes follow."""


# --- the ops -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClientChannel:
    """One channel a client advertises for publishing."""

    id: int  # noqa: A003 - the wire format's name
    topic: str
    encoding: str
    schema_name: str
    schema: Optional[str] = None
    schema_encoding: Optional[str] = None


@dataclass(frozen=True)
class ClientAdvertise:
    """The client ``advertise`` op."""

    channels: tuple[ClientChannel, ...]


@dataclass(frozen=True)
class ClientUnadvertise:
    """The client ``unadvertise`` op."""

    channel_ids: tuple[int, ...]


@dataclass(frozen=True)
class ClientMessageData:
    """Binary ClientMessageData: a message published on a client channel."""

    channel_id: int
    payload: memoryview


def _decode_advertise(message: JsonObject) -> ClientAdvertise:
    entries = protocol.array(protocol.field(message, 'channels', 'advertise'),
                             'advertise.channels')
    channels = []
    for i, item in enumerate(entries):
        where = f'advertise.channels[{i}]'
        entry = protocol.json_object(item, where)
        channels.append(ClientChannel(
            id=protocol.u32(protocol.field(entry, 'id', where), f'{where}.id'),
            topic=protocol.string(protocol.field(entry, 'topic', where), f'{where}.topic'),
            encoding=protocol.string(protocol.field(entry, 'encoding', where),
                                     f'{where}.encoding'),
            schema_name=protocol.string(protocol.field(entry, 'schemaName', where),
                                        f'{where}.schemaName'),
            schema=protocol.optional_string(entry, 'schema', where),
            schema_encoding=protocol.optional_string(entry, 'schemaEncoding', where)))
    return ClientAdvertise(tuple(channels))


def _decode_unadvertise(message: JsonObject) -> ClientUnadvertise:
    return ClientUnadvertise(protocol.u32_list(message, 'channelIds', 'unadvertise'))


def _decode_message(view: memoryview) -> ClientMessageData:
    if len(view) < CLIENT_MESSAGE_HEADER.size:
        raise ProtocolError('Invalid message: ClientMessageData buffer too short')
    _, channel_id = CLIENT_MESSAGE_HEADER.unpack_from(view)
    return ClientMessageData(channel_id, view[CLIENT_MESSAGE_HEADER.size:])


_GATE = protocol.Capability.CLIENT_PUBLISH.value
ADVERTISE = TextOp('advertise', _decode_advertise, _GATE, acts=True)
UNADVERTISE = TextOp('unadvertise', _decode_unadvertise, _GATE, acts=True)
PUBLISH = BinaryOp('publish', ClientBinaryOpcode.MESSAGE_DATA, _decode_message, _GATE, acts=True)


# --- effects and the capability -----------------------------------------------------------------


@dataclass(frozen=True)
class CreatePublisher(Audited):
    """Effect: a client advertised a channel; create a ROS publisher for it."""

    client_id: int
    channel: ClientChannel

    def audit(self) -> str:
        """
        Say what was advertised.

        :return: the words for the audit trail.
        """
        channel = self.channel
        return (f'advertised {channel.topic} ({channel.schema_name}, {channel.encoding}) for '
                'publishing')


@dataclass(frozen=True)
class DestroyPublisher(Effect):
    """Effect: a client unadvertised a channel or left; destroy its ROS publisher."""

    client_id: int
    channel_id: int


@dataclass(frozen=True)
class PublishMessage(Effect):
    """Effect: publish a client's message (CDR or JSON bytes) on its channel's ROS publisher."""

    client_id: int
    channel_id: int
    payload: bytes


class ClientPublish(CapabilityModule):
    """The channels each client advertised."""

    def __init__(self, sessions: Mapping[int, ClientSession], supported_encodings: Sequence[str],
                 topic_allowed: Optional[Callable[[str], bool]] = None,
                 max_channels: int = 0) -> None:
        """
        Accept client channels.

        :param sessions: the hub's clients by id.
        :param supported_encodings: encodings clients may publish with.
        :param topic_allowed: ``client_topic_whitelist``; None allows every topic.
        :param max_channels: channels one client may advertise (0: no limit).
        """
        self._sessions = sessions
        self._encodings = tuple(supported_encodings)
        self._topic_allowed = topic_allowed
        self._max_channels = max_channels
        self._channels: dict[int, dict[int, ClientChannel]] = {}
        self.routes = (sliced_route(ADVERTISE, 'channels', self._on_advertise),
                       sliced_route(UNADVERTISE, 'channel_ids', self._on_unadvertise),
                       route(PUBLISH, self._on_message))

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Destroy the publishers of a client that left.

        :param session: the client.
        :return: one :class:`DestroyPublisher` per channel it had.
        """
        channels = self._channels.pop(session.client_id, {})
        return [DestroyPublisher(session.client_id, channel_id) for channel_id in channels]

    def publisher_failed(self, client_id: int, channel_id: int, reason: str) -> None:
        """
        Forget a client channel whose ROS publisher could not be created, and say why.

        :param client_id: the client that advertised it.
        :param channel_id: the client's channel id.
        :param reason: the error, naming the topic and type.
        """
        session = self._sessions.get(client_id)
        if session is not None and self._channels.get(client_id, {}).pop(
                channel_id, None) is not None:
            session.send_status(StatusLevel.ERROR, reason)

    def publish_failed(self, client_id: int, channel_id: int, reason: str) -> None:
        """
        Tell a client that one of its messages could not be published.

        :param client_id: the client.
        :param channel_id: the client's channel it was published on.
        :param reason: the error, naming the channel.
        """
        session = self._sessions.get(client_id)
        if session is not None:
            session.send_status(StatusLevel.ERROR, reason)

    def _refusal(self, session: ClientSession, channel: ClientChannel
                 ) -> Optional[str]:
        where = f'Cannot advertise channel {channel.id} on {channel.topic}'
        if channel.encoding not in self._encodings:
            return (f'{where}: unsupported encoding "{channel.encoding}" (supported: '
                    f'{", ".join(self._encodings)})')
        if not channel.schema_name:
            return (f'{where}: schemaName is empty; give the ROS message type, e.g. '
                    'std_msgs/msg/String')
        if self._topic_allowed is not None and not self._topic_allowed(channel.topic):
            return f'{where}: topic is not in client_topic_whitelist'
        if not session.grant.may_publish_to(channel.topic):
            return f'{where}: topic is not in the client_topic_whitelist of {session.grant.who}'
        return None

    def _on_advertise(self, session: ClientSession, message: ClientAdvertise,
                      refusals: Refusals) -> list[Effect]:
        effects: list[Effect] = []
        mine = self._channels.setdefault(session.client_id, {})
        limit = self._max_channels
        for channel in message.channels:
            if channel.id in mine:
                refusals.add(StatusLevel.WARNING, 'Client channel {} was already advertised; '
                             'ignoring advertisement', 'Client channels {} were already '
                             'advertised; ignoring these advertisements', channel.id)
                continue
            refusal = self._refusal(session, channel)
            if refusal is not None:
                session.send_status(StatusLevel.ERROR, refusal)
                continue
            if limit and len(mine) >= limit:
                refusals.add(StatusLevel.ERROR, f'Too many client channels: at most {limit}; '
                             'ignoring channel {}', f'Too many client channels: at most '
                             f'{limit}; ignoring channels {{}}', channel.id)
                continue
            mine[channel.id] = channel
            effects.append(CreatePublisher(session.client_id, channel))
        return effects

    def _on_unadvertise(self, session: ClientSession, message: ClientUnadvertise,
                        refusals: Refusals) -> list[Effect]:
        effects: list[Effect] = []
        mine = self._channels.get(session.client_id, {})
        for channel_id in message.channel_ids:
            if mine.pop(channel_id, None) is None:
                refusals.add(StatusLevel.WARNING, 'Client channel {} was not advertised; '
                             'ignoring unadvertisement', 'Client channels {} were not '
                             'advertised; ignoring these unadvertisements', channel_id)
                continue
            effects.append(DestroyPublisher(session.client_id, channel_id))
        return effects

    def _on_message(self, session: ClientSession, message: ClientMessageData
                    ) -> list[Effect]:
        if message.channel_id not in self._channels.get(session.client_id, {}):
            session.send_status(StatusLevel.ERROR, f'Unknown channel ID: {message.channel_id}; '
                                'advertise it before publishing')
            return []
        return [PublishMessage(session.client_id, message.channel_id, bytes(message.payload))]
