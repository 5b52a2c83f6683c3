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
Decoding client frames, every field validated.

A frame becomes a frozen dataclass, or a :class:`ProtocolError` whose text is fit to send back
in a ``status`` message.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any, Callable, Mapping, Optional, Union

from foxglove_bridge_py.protocol.vocabulary import (CLIENT_MESSAGE_HEADER, ClientAdvertise,
                                                    ClientBinaryOpcode, ClientChannel,
                                                    ClientMessage, ClientMessageData,
                                                    ClientUnadvertise, FetchAsset, GetParameters,
                                                    Parameter, PLAYBACK_CONTROL_HEADER,
                                                    PlaybackControlRequest, ProtocolError,
                                                    SERVICE_CALL_HEADER, ServiceCallRequest,
                                                    SetParameters, Subscribe,
                                                    SubscribeConnectionGraph,
                                                    SubscribeParameterUpdates, SubscriptionRequest,
                                                    U32_MAX, Unsubscribe,
                                                    UnsubscribeConnectionGraph,
                                                    UnsubscribeParameterUpdates)


# --- field validation helpers ------------------------------------------------------------------

def describe_value(value: Any) -> str:
    """
    Name a JSON value's kind for an error message: ``an integer``, ``null``, ``an array``...

    :param value: a decoded JSON value.
    :return: the kind, with its article.
    """
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
        raise ProtocolError(f'{where} must be a string, got {describe_value(value)}')
    return value


def _optional_string(obj: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    value = obj.get(key)
    return None if value is None else _string(value, f'{where}.{key}')


def _array(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ProtocolError(f'{where} must be an array, got {describe_value(value)}')
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError(f'{where} must be an object, got {describe_value(value)}')
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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _float64(value: Any, where: str) -> float:
    if not _is_number(value):
        raise ProtocolError(f'{where} must be a number for type float64')
    return float(value)


def _float64_array(value: Any, where: str) -> list[float]:
    items = _array(value, where)
    if not all(map(_is_number, items)):
        raise ProtocolError(f'{where} must be an array of numbers for type float64_array')
    return [float(v) for v in items]


def _byte_array(value: Any, where: str) -> bytes:
    try:
        return base64.b64decode(_string(value, where), validate=True)
    except ValueError:
        raise ProtocolError(f'{where} is not valid base64') from None


_TYPED_VALUES: Mapping[str, Callable[[Any, str], Any]] = {
    'float64': _float64, 'float64_array': _float64_array, 'byte_array': _byte_array}
"""How a parameter value with a ``type`` hint is read and checked."""


def _decode_parameter(entry: Any, where: str) -> Parameter:
    entry = _object(entry, where)
    unknown = set(entry) - {'name', 'value', 'type'}
    if unknown:
        raise ProtocolError(f'{where}: unknown field "{sorted(unknown)[0]}"')
    name = _string(_field(entry, 'name', where), f'{where}.name')
    type_hint = _optional_string(entry, 'type', where)
    value = entry.get('value')
    if type_hint is None:
        if isinstance(value, list) and value and all(map(_is_number, value)) and any(
                isinstance(v, float) for v in value):
            value = [float(v) for v in value]
            type_hint = 'float64_array'
    elif type_hint not in _TYPED_VALUES:
        raise ProtocolError(f'{where}.type must be byte_array, float64 or float64_array, '
                            f'got {type_hint!r}')
    elif value is not None:
        value = _TYPED_VALUES[type_hint](value, f'{where}.value')
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
        raise ProtocolError(f'Invalid message: expected a JSON object, got {describe_value(msg)}')
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


def _decode_client_message(view: memoryview) -> ClientMessageData:
    if len(view) < CLIENT_MESSAGE_HEADER.size:
        raise ProtocolError('Invalid message: ClientMessageData buffer too short')
    _, channel_id = CLIENT_MESSAGE_HEADER.unpack_from(view)
    return ClientMessageData(channel_id, view[CLIENT_MESSAGE_HEADER.size:])


def _decode_service_call(view: memoryview) -> ServiceCallRequest:
    if len(view) < SERVICE_CALL_HEADER.size:
        raise ProtocolError('Invalid message: ServiceCallRequest buffer too short')
    _, service_id, call_id, enc_len = SERVICE_CALL_HEADER.unpack_from(view)
    start = SERVICE_CALL_HEADER.size
    if len(view) < start + enc_len:
        raise ProtocolError('Invalid message: ServiceCallRequest encoding length exceeds '
                            'the buffer')
    encoding = _utf8(view[start:start + enc_len], 'ServiceCallRequest encoding')
    return ServiceCallRequest(service_id, call_id, encoding, view[start + enc_len:])


def _decode_playback_control(view: memoryview) -> PlaybackControlRequest:
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


_BINARY_DECODERS: Mapping[int, Callable[[memoryview], ClientMessage]] = {
    ClientBinaryOpcode.MESSAGE_DATA: _decode_client_message,
    ClientBinaryOpcode.SERVICE_CALL_REQUEST: _decode_service_call,
    ClientBinaryOpcode.PLAYBACK_CONTROL_REQUEST: _decode_playback_control,
}


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
    decoder = _BINARY_DECODERS.get(view[0])
    if decoder is None:
        raise ProtocolError(f'Unrecognized client opcode {view[0]}')
    return decoder(view)
