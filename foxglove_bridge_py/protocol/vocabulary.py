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
The protocol's words.

Opcodes, capabilities, the client messages, and the server's channel and service descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
import enum
import struct
from typing import NamedTuple, Optional

SUBPROTOCOLS = ('foxglove.sdk.v1', 'foxglove.websocket.v1')
"""Accepted subprotocols, in order of preference."""

U32_MAX = 0xFFFFFFFF


class StatusLevel(enum.IntEnum):
    """Severity of a ``status`` message."""

    INFO = 0
    WARNING = 1
    ERROR = 2


class ServerBinaryOpcode(enum.IntEnum):
    """First byte of a binary frame sent by the server."""

    MESSAGE_DATA = 1
    TIME = 2
    SERVICE_CALL_RESPONSE = 3
    FETCH_ASSET_RESPONSE = 4
    PLAYBACK_STATE = 5


class ClientBinaryOpcode(enum.IntEnum):
    """First byte of a binary frame sent by a client."""

    MESSAGE_DATA = 1
    SERVICE_CALL_REQUEST = 2
    PLAYBACK_CONTROL_REQUEST = 3


class Capability(str, enum.Enum):
    """Capabilities a server may advertise in ``serverInfo``."""

    CLIENT_PUBLISH = 'clientPublish'
    PARAMETERS = 'parameters'
    PARAMETERS_SUBSCRIBE = 'parametersSubscribe'
    SERVICES = 'services'
    CONNECTION_GRAPH = 'connectionGraph'
    ASSETS = 'assets'
    TIME = 'time'
    PLAYBACK_CONTROL = 'playbackControl'


class ProtocolError(ValueError):
    """A client frame that cannot be accepted; the text is sent back as an error status."""


# --- binary layouts (all little-endian) --------------------------------------------------------

MESSAGE_DATA_HEADER = struct.Struct('<BIQ')
"""MessageData: opcode, subscription id, log time; the CDR bytes follow."""


# --- the core's ops (each capability declares its own) ---------------------------------------

class SubscriptionRequest(NamedTuple):
    """One entry of a ``subscribe`` op: the client's subscription id and the channel."""

    subscription_id: int
    channel_id: int


@dataclass(frozen=True)
class Subscribe:
    """The ``subscribe`` op."""

    subscriptions: tuple[tuple[int, int], ...]
    """``(subscription id, channel id)`` pairs (a :class:`SubscriptionRequest` where an entry
    was checked field by field, a plain tuple where it passed the fast check: they are equal)."""


@dataclass(frozen=True)
class Unsubscribe:
    """The ``unsubscribe`` op."""

    subscription_ids: tuple[int, ...]


@dataclass(frozen=True)
class Channel:
    """
    A server channel: one (topic, type) pair with its schema.

    A channel the ROS side or a recording found has id 0 until the core assigns one.
    """

    id: int  # noqa: A003 - the wire format's name
    topic: str
    encoding: str
    schema_name: str
    schema: str
    schema_encoding: Optional[str]
    newest_only: bool = False
    """Not on the wire: only the newest message of this channel is worth waiting for a
    client (a twin, which a newer frame makes stale), so at most one waits per client."""

    @property
    def key(self) -> tuple[str, str]:
        """
        Identify the channel by topic and type, as the ROS graph and recordings do.

        :return: ``(topic, schema_name)``.
        """
        return self.topic, self.schema_name

    def to_json(self) -> dict:
        """
        Return the channel as an ``advertise`` entry.

        :return: the entry's fields.
        """
        entry = {'id': self.id, 'topic': self.topic, 'encoding': self.encoding,
                 'schemaName': self.schema_name, 'schema': self.schema}
        if self.schema_encoding:
            entry['schemaEncoding'] = self.schema_encoding
        return entry


@dataclass(frozen=True)
class Service:
    """
    A ROS service as advertised to clients, with its request and response schemas.

    A service the ROS side found has id 0 until the core assigns one.
    """

    id: int  # noqa: A003 - the wire format's name
    name: str
    type: str  # noqa: A003 - the wire format's name
    request_schema: Optional[str] = None
    response_schema: Optional[str] = None
    schema_encoding: str = 'ros2msg'

    def to_json(self) -> dict:
        """
        Return the service as an ``advertiseServices`` entry.

        Schemas go in ``request``/``response`` objects; without a definition both legacy
        schema fields are empty strings, as the SDK sends them.

        :return: the entry's fields.
        """
        entry = {'id': self.id, 'name': self.name, 'type': self.type}
        if self.request_schema is None or self.response_schema is None:
            entry['requestSchema'] = ''
            entry['responseSchema'] = ''
            return entry
        for key, suffix, schema in (('request', '_Request', self.request_schema),
                                    ('response', '_Response', self.response_schema)):
            entry[key] = {'encoding': 'cdr', 'schemaName': self.type + suffix,
                          'schemaEncoding': self.schema_encoding, 'schema': schema}
        return entry
