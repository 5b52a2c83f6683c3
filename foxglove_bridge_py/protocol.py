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
Foxglove WebSocket protocol v1: wire vocabulary and a pure codec.

Decoding validates a client frame completely and returns a frozen dataclass, or raises
:class:`ProtocolError` whose text is fit to send back in a ``status`` message. Encoding turns
server messages into compact JSON text or binary frames. Nothing here does I/O.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import enum
import json
import math
import struct
import sys
from typing import Any, Callable, Mapping, NamedTuple, Optional, Sequence, Union

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
TIME_FRAME = struct.Struct('<BQ')
SERVICE_CALL_HEADER = struct.Struct('<BIII')
FETCH_ASSET_HEADER = struct.Struct('<BIBI')
PLAYBACK_STATE_HEADER = struct.Struct('<BBQfBI')
CLIENT_MESSAGE_HEADER = struct.Struct('<BI')
PLAYBACK_CONTROL_HEADER = struct.Struct('<BBfBQI')


# --- decoded client messages -------------------------------------------------------------------

class SubscriptionRequest(NamedTuple):
    """One entry of a ``subscribe`` op: the client's subscription id and the channel."""

    subscription_id: int
    channel_id: int


@dataclass(frozen=True)
class Subscribe:
    """The ``subscribe`` op."""

    subscriptions: tuple[SubscriptionRequest, ...]


@dataclass(frozen=True)
class Unsubscribe:
    """The ``unsubscribe`` op."""

    subscription_ids: tuple[int, ...]


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
class Parameter:
    """A parameter as the protocol carries it; ``value`` None means unset."""

    name: str
    value: Any = None
    type: Optional[str] = None  # noqa: A003 - the wire format's name


@dataclass(frozen=True)
class GetParameters:
    """The ``getParameters`` op."""

    names: tuple[str, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class SetParameters:
    """The ``setParameters`` op."""

    parameters: tuple[Parameter, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class SubscribeParameterUpdates:
    """The ``subscribeParameterUpdates`` op."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class UnsubscribeParameterUpdates:
    """The ``unsubscribeParameterUpdates`` op."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class SubscribeConnectionGraph:
    """The ``subscribeConnectionGraph`` op."""


@dataclass(frozen=True)
class UnsubscribeConnectionGraph:
    """The ``unsubscribeConnectionGraph`` op."""


@dataclass(frozen=True)
class FetchAsset:
    """The ``fetchAsset`` op."""

    uri: str
    request_id: int


@dataclass(frozen=True)
class ClientMessageData:
    """Binary ClientMessageData: a message published on a client channel."""

    channel_id: int
    payload: memoryview


@dataclass(frozen=True)
class ServiceCallRequest:
    """Binary ServiceCallRequest."""

    service_id: int
    call_id: int
    encoding: str
    payload: memoryview


@dataclass(frozen=True)
class PlaybackControlRequest:
    """Binary PlaybackControlRequest."""

    command: int
    speed: float
    seek_time: Optional[int]
    request_id: str


ClientMessage = Union[
    Subscribe, Unsubscribe, ClientAdvertise, ClientUnadvertise, GetParameters, SetParameters,
    SubscribeParameterUpdates, UnsubscribeParameterUpdates, SubscribeConnectionGraph,
    UnsubscribeConnectionGraph, FetchAsset, ClientMessageData, ServiceCallRequest,
    PlaybackControlRequest,
]

OP_CAPABILITY: Mapping[type, Capability] = {
    ClientAdvertise: Capability.CLIENT_PUBLISH,
    ClientUnadvertise: Capability.CLIENT_PUBLISH,
    ClientMessageData: Capability.CLIENT_PUBLISH,
    GetParameters: Capability.PARAMETERS,
    SetParameters: Capability.PARAMETERS,
    SubscribeParameterUpdates: Capability.PARAMETERS_SUBSCRIBE,
    UnsubscribeParameterUpdates: Capability.PARAMETERS_SUBSCRIBE,
    SubscribeConnectionGraph: Capability.CONNECTION_GRAPH,
    UnsubscribeConnectionGraph: Capability.CONNECTION_GRAPH,
    FetchAsset: Capability.ASSETS,
    ServiceCallRequest: Capability.SERVICES,
    PlaybackControlRequest: Capability.PLAYBACK_CONTROL,
}
"""The capability a server must advertise before a client may send each message."""


# --- field validation helpers ------------------------------------------------------------------

def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return 'a boolean'
    if value is None:
        return 'null'
    return {int: 'an integer', float: 'a number', str: 'a string', list: 'an array',
            dict: 'an object'}.get(type(value), type(value).__name__)


def _field(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise ProtocolError(f'{where}: missing field "{key}"')
    return obj[key]


def _u32(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U32_MAX:
        raise ProtocolError(f'{where} must be an integer from 0 to {U32_MAX}, got {value!r}')
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f'{where} must be a string, got {_describe(value)}')
    return value


def _optional_string(obj: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    value = obj.get(key)
    return None if value is None else _string(value, f'{where}.{key}')


def _array(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ProtocolError(f'{where} must be an array, got {_describe(value)}')
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError(f'{where} must be an object, got {_describe(value)}')
    return value


def _u32_list(obj: Mapping[str, Any], key: str, op: str) -> tuple[int, ...]:
    items = _array(_field(obj, key, op), f'{op}.{key}')
    if all(v.__class__ is int and 0 <= v <= U32_MAX for v in items):
        return tuple(items)
    return tuple(_u32(v, f'{op}.{key}[{i}]') for i, v in enumerate(items))


def _string_list(obj: Mapping[str, Any], key: str, op: str) -> tuple[str, ...]:
    items = _array(_field(obj, key, op), f'{op}.{key}')
    return tuple(_string(v, f'{op}.{key}[{i}]') for i, v in enumerate(items))


# --- JSON decoding -----------------------------------------------------------------------------

def _decode_subscribe(msg: Mapping[str, Any]) -> Subscribe:
    entries = _array(_field(msg, 'subscriptions', 'subscribe'), 'subscribe.subscriptions')
    subs = []
    append = subs.append
    for entry in entries:
        # The common case checked in line, so that 100,000 entries take milliseconds; the
        # checks that name what is wrong run only on an entry that fails.
        if entry.__class__ is dict:
            sub_id, channel_id = entry.get('id'), entry.get('channelId')
            if (sub_id.__class__ is int and channel_id.__class__ is int
                    and 0 <= sub_id <= U32_MAX and 0 <= channel_id <= U32_MAX):
                append((sub_id, channel_id))  # equal to a SubscriptionRequest, and cheaper
                continue
        where = f'subscribe.subscriptions[{len(subs)}]'
        entry = _object(entry, where)
        append(SubscriptionRequest(
            _u32(_field(entry, 'id', where), f'{where}.id'),
            _u32(_field(entry, 'channelId', where), f'{where}.channelId')))
    return Subscribe(tuple(subs))


def _decode_client_advertise(msg: Mapping[str, Any]) -> ClientAdvertise:
    entries = _array(_field(msg, 'channels', 'advertise'), 'advertise.channels')
    channels = []
    for i, entry in enumerate(entries):
        where = f'advertise.channels[{i}]'
        entry = _object(entry, where)
        channels.append(ClientChannel(
            id=_u32(_field(entry, 'id', where), f'{where}.id'),
            topic=_string(_field(entry, 'topic', where), f'{where}.topic'),
            encoding=_string(_field(entry, 'encoding', where), f'{where}.encoding'),
            schema_name=_string(_field(entry, 'schemaName', where), f'{where}.schemaName'),
            schema=_optional_string(entry, 'schema', where),
            schema_encoding=_optional_string(entry, 'schemaEncoding', where)))
    return ClientAdvertise(tuple(channels))


def _decode_parameter(entry: Any, where: str) -> Parameter:
    entry = _object(entry, where)
    unknown = set(entry) - {'name', 'value', 'type'}
    if unknown:
        raise ProtocolError(f'{where}: unknown field "{sorted(unknown)[0]}"')
    name = _string(_field(entry, 'name', where), f'{where}.name')
    type_hint = _optional_string(entry, 'type', where)
    value = entry.get('value')
    if type_hint is None:
        if isinstance(value, list) and value and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) and any(
                isinstance(v, float) for v in value):
            value = [float(v) for v in value]
            type_hint = 'float64_array'
    elif type_hint == 'float64':
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ProtocolError(f'{where}.value must be a number for type float64')
            value = float(value)
    elif type_hint == 'float64_array':
        if value is not None:
            items = _array(value, f'{where}.value')
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
                raise ProtocolError(f'{where}.value must be an array of numbers for '
                                    'type float64_array')
            value = [float(v) for v in items]
    elif type_hint == 'byte_array':
        if value is not None:
            try:
                value = base64.b64decode(_string(value, f'{where}.value'), validate=True)
            except ValueError:
                raise ProtocolError(f'{where}.value is not valid base64') from None
    else:
        raise ProtocolError(f'{where}.type must be byte_array, float64 or float64_array, '
                            f'got {type_hint!r}')
    return Parameter(name, value, type_hint)


def _decode_get_parameters(msg: Mapping[str, Any]) -> GetParameters:
    return GetParameters(_string_list(msg, 'parameterNames', 'getParameters'),
                         _optional_string(msg, 'id', 'getParameters'))


def _decode_set_parameters(msg: Mapping[str, Any]) -> SetParameters:
    entries = _array(_field(msg, 'parameters', 'setParameters'), 'setParameters.parameters')
    params = tuple(_decode_parameter(e, f'setParameters.parameters[{i}]')
                   for i, e in enumerate(entries))
    return SetParameters(params, _optional_string(msg, 'id', 'setParameters'))


def _decode_fetch_asset(msg: Mapping[str, Any]) -> FetchAsset:
    return FetchAsset(_string(_field(msg, 'uri', 'fetchAsset'), 'fetchAsset.uri'),
                      _u32(_field(msg, 'requestId', 'fetchAsset'), 'fetchAsset.requestId'))


_JSON_DECODERS: Mapping[str, Callable[[Mapping[str, Any]], ClientMessage]] = {
    'subscribe': _decode_subscribe,
    'unsubscribe': lambda m: Unsubscribe(_u32_list(m, 'subscriptionIds', 'unsubscribe')),
    'advertise': _decode_client_advertise,
    'unadvertise': lambda m: ClientUnadvertise(_u32_list(m, 'channelIds', 'unadvertise')),
    'getParameters': _decode_get_parameters,
    'setParameters': _decode_set_parameters,
    'subscribeParameterUpdates': lambda m: SubscribeParameterUpdates(
        _string_list(m, 'parameterNames', 'subscribeParameterUpdates')),
    'unsubscribeParameterUpdates': lambda m: UnsubscribeParameterUpdates(
        _string_list(m, 'parameterNames', 'unsubscribeParameterUpdates')),
    'subscribeConnectionGraph': lambda m: SubscribeConnectionGraph(),
    'unsubscribeConnectionGraph': lambda m: UnsubscribeConnectionGraph(),
    'fetchAsset': _decode_fetch_asset,
}


def parse_json(text: Union[str, bytes, bytearray, memoryview]) -> Any:
    """
    Parse client JSON; nesting deeper than the parser can follow is a protocol error.

    The parser recurses once per level of arrays and objects, up to the interpreter's
    recursion limit; past it, the input is refused. Nothing after parsing recurses over client
    input: ops have fixed shapes, parameter values are checked one level deep, and ROS
    messages are built by following their type.

    :param text: the JSON text or its UTF-8 bytes.
    :return: the value.
    :raises ProtocolError: if it is not JSON, or is nested too deeply.
    """
    if isinstance(text, memoryview):
        text = bytes(text)
    try:
        return json.loads(text)
    except RecursionError:
        raise ProtocolError(f'JSON nested too deeply: arrays and objects may nest at most '
                            f'about {sys.getrecursionlimit()} levels, the limit of the '
                            'parser') from None
    except ValueError as exc:
        raise ProtocolError(f'not valid JSON ({exc})') from None


def decode_text(text: str) -> ClientMessage:
    """
    Decode a client text frame.

    :param text: the frame's text.
    :return: the decoded message.
    :raises ProtocolError: if the text is not JSON, has no known ``op`` or a field is wrong.
    """
    try:
        msg = parse_json(text)
    except ProtocolError as exc:
        raise ProtocolError(f'Invalid message: {exc}') from None
    if not isinstance(msg, dict):
        raise ProtocolError(f'Invalid message: expected a JSON object, got {_describe(msg)}')
    op = msg.get('op')
    if not isinstance(op, str):
        raise ProtocolError('Invalid message: missing string field "op"')
    decoder = _JSON_DECODERS.get(op)
    if decoder is None:
        raise ProtocolError(f'Unrecognized client opcode "{op}"')
    try:
        return decoder(msg)
    except ProtocolError as exc:
        raise ProtocolError(f'Invalid message: {exc}') from None


# --- binary decoding ---------------------------------------------------------------------------

def _utf8(data: memoryview, what: str) -> str:
    try:
        return str(data, 'utf-8')
    except UnicodeDecodeError:
        raise ProtocolError(f'Invalid message: {what} is not valid UTF-8') from None


def decode_binary(data: Union[bytes, bytearray, memoryview]) -> ClientMessage:
    """
    Decode a client binary frame.

    Payloads are returned as views into ``data``; nothing is copied.

    :param data: the frame's bytes.
    :return: the decoded message.
    :raises ProtocolError: if the frame is empty, too short, or has an unknown opcode.
    """
    view = memoryview(data)
    if not view:
        raise ProtocolError('Received an empty binary message')
    opcode = view[0]
    if opcode == ClientBinaryOpcode.MESSAGE_DATA:
        if len(view) < CLIENT_MESSAGE_HEADER.size:
            raise ProtocolError('Invalid message: ClientMessageData buffer too short')
        _, channel_id = CLIENT_MESSAGE_HEADER.unpack_from(view)
        return ClientMessageData(channel_id, view[CLIENT_MESSAGE_HEADER.size:])
    if opcode == ClientBinaryOpcode.SERVICE_CALL_REQUEST:
        if len(view) < SERVICE_CALL_HEADER.size:
            raise ProtocolError('Invalid message: ServiceCallRequest buffer too short')
        _, service_id, call_id, enc_len = SERVICE_CALL_HEADER.unpack_from(view)
        start = SERVICE_CALL_HEADER.size
        if len(view) < start + enc_len:
            raise ProtocolError('Invalid message: ServiceCallRequest encoding length exceeds '
                                'the buffer')
        encoding = _utf8(view[start:start + enc_len], 'ServiceCallRequest encoding')
        return ServiceCallRequest(service_id, call_id, encoding, view[start + enc_len:])
    if opcode == ClientBinaryOpcode.PLAYBACK_CONTROL_REQUEST:
        if len(view) < PLAYBACK_CONTROL_HEADER.size:
            raise ProtocolError('Invalid message: PlaybackControlRequest buffer too short')
        _, command, speed, had_seek, seek_ns, id_len = PLAYBACK_CONTROL_HEADER.unpack_from(view)
        start = PLAYBACK_CONTROL_HEADER.size
        if len(view) != start + id_len:
            raise ProtocolError('Invalid message: PlaybackControlRequest request id length '
                                'does not match the buffer')
        if command not in (0, 1):
            raise ProtocolError(f'Invalid message: unknown playback command {command}')
        request_id = _utf8(view[start:], 'PlaybackControlRequest request id')
        return PlaybackControlRequest(command, speed, seek_ns if had_seek else None, request_id)
    raise ProtocolError(f'Unrecognized client opcode {opcode}')


# --- server messages ---------------------------------------------------------------------------

def _finite(value: Any) -> Any:
    """Replace NaN and infinities, which browsers cannot parse, with null (as serde_json does)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def encode_json(message: Mapping[str, Any]) -> str:
    """
    Encode a server JSON message compactly, never writing NaN or Infinity.

    :param message: the message, with its ``op``.
    :return: the text to send.
    """
    try:
        return json.dumps(message, separators=(',', ':'), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(message), separators=(',', ':'), allow_nan=False)


@dataclass(frozen=True)
class Channel:
    """A server channel: one (topic, type) pair with its schema."""

    id: int  # noqa: A003 - the wire format's name
    topic: str
    encoding: str
    schema_name: str
    schema: str
    schema_encoding: Optional[str]

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


def server_info(*, name: str, capabilities: Sequence[str], supported_encodings: Sequence[str],
                metadata: Mapping[str, str], session_id: str,
                data_range: Optional[tuple[int, int]] = None) -> str:
    """
    Encode ``serverInfo``.

    :param name: the server's name, shown by the app.
    :param capabilities: advertised capabilities.
    :param supported_encodings: encodings clients may publish and call services with.
    :param metadata: free-form string pairs (ROS_DISTRO among them).
    :param session_id: identifies this server instance.
    :param data_range: first and last log time of a recording played back, in nanoseconds.
    :return: the JSON text.
    """
    message = {'op': 'serverInfo', 'name': name, 'capabilities': list(capabilities),
               'supportedEncodings': list(supported_encodings), 'metadata': dict(metadata),
               'sessionId': session_id}
    if data_range is not None:
        # Split into seconds and nanoseconds: JSON numbers lose precision beyond 2**53.
        for key, value in zip(('dataStartTime', 'dataEndTime'), data_range):
            message[key] = {'sec': value // 1_000_000_000, 'nsec': value % 1_000_000_000}
    return encode_json(message)


def status(level: StatusLevel, message: str, status_id: Optional[str] = None) -> str:
    """
    Encode ``status``.

    :param level: info, warning or error.
    :param message: human-readable text.
    :param status_id: lets a later status replace this one or ``removeStatus`` withdraw it.
    :return: the JSON text.
    """
    msg = {'op': 'status', 'level': int(level), 'message': message}
    if status_id is not None:
        msg['id'] = status_id
    return encode_json(msg)


def remove_status(status_ids: Sequence[str]) -> str:
    """
    Encode ``removeStatus``.

    :param status_ids: ids of statuses to withdraw.
    :return: the JSON text.
    """
    return encode_json({'op': 'removeStatus', 'statusIds': list(status_ids)})


def advertise(channels: Sequence[Channel]) -> str:
    """
    Encode ``advertise``.

    :param channels: the channels to announce.
    :return: the JSON text.
    """
    return encode_json({'op': 'advertise', 'channels': [c.to_json() for c in channels]})


def unadvertise(channel_ids: Sequence[int]) -> str:
    """
    Encode ``unadvertise``.

    :param channel_ids: ids of channels that are gone.
    :return: the JSON text.
    """
    return encode_json({'op': 'unadvertise', 'channelIds': list(channel_ids)})


def message_data_header(subscription_id: int, log_time_ns: int) -> bytes:
    """
    Encode the 13-byte MessageData header; the payload follows it unchanged.

    :param subscription_id: the client's subscription id.
    :param log_time_ns: log (receive) time in nanoseconds.
    :return: the header bytes.
    """
    return MESSAGE_DATA_HEADER.pack(ServerBinaryOpcode.MESSAGE_DATA, subscription_id, log_time_ns)


def time_frame(timestamp_ns: int) -> bytes:
    """
    Encode a Time frame.

    :param timestamp_ns: the server's current time in nanoseconds.
    :return: the frame.
    """
    return TIME_FRAME.pack(ServerBinaryOpcode.TIME, timestamp_ns)


def service_call_response(service_id: int, call_id: int, encoding: str, payload: bytes) -> bytes:
    """
    Encode a ServiceCallResponse frame.

    :param service_id: the service's id.
    :param call_id: the id of the call being answered.
    :param encoding: the payload's encoding.
    :param payload: the serialized response.
    :return: the frame.
    """
    enc = encoding.encode()
    return SERVICE_CALL_HEADER.pack(ServerBinaryOpcode.SERVICE_CALL_RESPONSE, service_id,
                                    call_id, len(enc)) + enc + payload


def fetch_asset_response(request_id: int, *, data: bytes = b'', error: Optional[str] = None
                         ) -> bytes:
    """
    Encode a FetchAssetResponse frame: the asset, or an error text.

    :param request_id: the request being answered.
    :param data: the asset's bytes, on success.
    :param error: the reason, on failure.
    :return: the frame.
    """
    if error is None:
        return FETCH_ASSET_HEADER.pack(ServerBinaryOpcode.FETCH_ASSET_RESPONSE, request_id,
                                       0, 0) + data
    err = error.encode()
    return FETCH_ASSET_HEADER.pack(ServerBinaryOpcode.FETCH_ASSET_RESPONSE, request_id,
                                   1, len(err)) + err


def playback_state(status_code: int, current_time_ns: int, speed: float, did_seek: bool,
                   request_id: str = '') -> bytes:
    """
    Encode a PlaybackState frame.

    :param status_code: 0 playing, 1 paused, 2 buffering, 3 ended.
    :param current_time_ns: the playback time in nanoseconds.
    :param speed: playback speed as a factor of real time.
    :param did_seek: whether this state follows a seek.
    :param request_id: the request answered, or empty when unsolicited.
    :return: the frame.
    """
    rid = request_id.encode()
    return PLAYBACK_STATE_HEADER.pack(ServerBinaryOpcode.PLAYBACK_STATE, status_code,
                                      current_time_ns, speed, int(did_seek), len(rid)) + rid


@dataclass(frozen=True)
class Service:
    """A ROS service as advertised to clients, with its request and response schemas."""

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


def advertise_services(services: Sequence[Service]) -> str:
    """
    Encode ``advertiseServices``.

    :param services: the services to announce.
    :return: the JSON text.
    """
    return encode_json({'op': 'advertiseServices', 'services': [s.to_json() for s in services]})


def unadvertise_services(service_ids: Sequence[int]) -> str:
    """
    Encode ``unadvertiseServices``.

    :param service_ids: ids of services that are gone.
    :return: the JSON text.
    """
    return encode_json({'op': 'unadvertiseServices', 'serviceIds': list(service_ids)})


def service_call_failure(service_id: int, call_id: int, message: str) -> str:
    """
    Encode ``serviceCallFailure``.

    :param service_id: the service called.
    :param call_id: the failed call.
    :param message: why it failed.
    :return: the JSON text.
    """
    return encode_json({'op': 'serviceCallFailure', 'serviceId': service_id, 'callId': call_id,
                        'message': message})


def parameter_values(parameters: Sequence[Parameter], request_id: Optional[str] = None) -> str:
    """
    Encode ``parameterValues``; a parameter without a value is sent without ``value``.

    :param parameters: the parameters.
    :param request_id: the id of the get or set request answered, if any.
    :return: the JSON text.
    """
    entries = []
    for parameter in parameters:
        entry: dict = {'name': parameter.name}
        if parameter.value is not None:
            value = parameter.value
            if parameter.type == 'byte_array':
                value = base64.b64encode(bytes(value)).decode()
            entry['value'] = value
        if parameter.type is not None:
            entry['type'] = parameter.type
        entries.append(entry)
    message: dict = {'op': 'parameterValues', 'parameters': entries}
    if request_id is not None:
        message['id'] = request_id
    return encode_json(message)


def connection_graph_update(*, published: Mapping[str, Sequence[str]] = None,
                            subscribed: Mapping[str, Sequence[str]] = None,
                            services: Mapping[str, Sequence[str]] = None,
                            removed_topics: Sequence[str] = (),
                            removed_services: Sequence[str] = ()) -> str:
    """
    Encode ``connectionGraphUpdate``; every field is present, possibly empty.

    :param published: topic name to publisher ids.
    :param subscribed: topic name to subscriber ids.
    :param services: service name to provider ids.
    :param removed_topics: topics no longer in the graph.
    :param removed_services: services no longer in the graph.
    :return: the JSON text.
    """
    return encode_json({
        'op': 'connectionGraphUpdate',
        'publishedTopics': [{'name': n, 'publisherIds': sorted(ids)}
                            for n, ids in sorted((published or {}).items())],
        'subscribedTopics': [{'name': n, 'subscriberIds': sorted(ids)}
                             for n, ids in sorted((subscribed or {}).items())],
        'advertisedServices': [{'name': n, 'providerIds': sorted(ids)}
                               for n, ids in sorted((services or {}).items())],
        'removedTopics': sorted(removed_topics), 'removedServices': sorted(removed_services)})
