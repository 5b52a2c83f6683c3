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
Reading client frames: the JSON envelope, the checks every op's fields share, the core's ops.

Each capability decodes its own ops (``capabilities/``) with these checks, so that a wrong field
is named the same way in every op: ``subscribe.subscriptions[3].id must be an integer from 0 to
4294967295, got -1``. A :class:`ProtocolError`'s text is fit to send back in a ``status``.
"""

from __future__ import annotations

import json
import sys
from typing import Mapping, Optional, Union

from foxglove_bridge_py.protocol.vocabulary import (ProtocolError, Subscribe, SubscriptionRequest,
                                                    U32_MAX, Unsubscribe)

JsonObject = Mapping[str, object]
"""A decoded JSON object, its values not yet checked."""


# --- field validation helpers ------------------------------------------------------------------

def describe_value(value: object) -> str:
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


def field(obj: Mapping[str, object], key: str, where: str) -> object:
    """
    Read a required field.

    :param obj: the JSON object.
    :param key: the field.
    :param where: the path named in an error, such as ``advertise.channels[2]``.
    :return: its value.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    if key not in obj:
        raise ProtocolError(f'{where}: missing field "{key}"')
    return obj[key]


def u32(value: object, where: str) -> int:
    """
    Check an unsigned 32-bit integer.

    :param value: the value.
    :param where: the path named in an error.
    :return: the integer.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U32_MAX:
        raise ProtocolError(f'{where} must be an integer from 0 to {U32_MAX}, got {value!r}')
    return value


def string(value: object, where: str) -> str:
    """
    Check a string.

    :param value: the value.
    :param where: the path named in an error.
    :return: the string.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    if not isinstance(value, str):
        raise ProtocolError(f'{where} must be a string, got {describe_value(value)}')
    return value


def optional_string(obj: Mapping[str, object], key: str, where: str) -> Optional[str]:
    """
    Read a field that is a string when present and not null.

    :param obj: the JSON object.
    :param key: the field.
    :param where: the path named in an error.
    :return: the string, or None.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    value = obj.get(key)
    return None if value is None else string(value, f'{where}.{key}')


def array(value: object, where: str) -> list[object]:
    """
    Check an array.

    :param value: the value.
    :param where: the path named in an error.
    :return: the list, its items not yet checked.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    if not isinstance(value, list):
        raise ProtocolError(f'{where} must be an array, got {describe_value(value)}')
    return value


def json_object(value: object, where: str) -> Mapping[str, object]:
    """
    Check an object.

    :param value: the value.
    :param where: the path named in an error.
    :return: the object, its values not yet checked.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    if not isinstance(value, dict):
        raise ProtocolError(f'{where} must be an object, got {describe_value(value)}')
    return value


def u32_list(obj: Mapping[str, object], key: str, op: str) -> tuple[int, ...]:
    """
    Read a required array of unsigned 32-bit integers.

    :param obj: the JSON object.
    :param key: the field.
    :param op: the op, named in an error.
    :return: the integers.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    items = array(field(obj, key, op), f'{op}.{key}')
    if all(v.__class__ is int and 0 <= v <= U32_MAX for v in items):
        return tuple(items)  # type: ignore[arg-type] # every item was just checked
    return tuple(u32(v, f'{op}.{key}[{i}]') for i, v in enumerate(items))


def string_list(obj: Mapping[str, object], key: str, op: str) -> tuple[str, ...]:
    """
    Read a required array of strings.

    :param obj: the JSON object.
    :param key: the field.
    :param op: the op, named in an error.
    :return: the strings.
    :raises ProtocolError: if it is missing or of the wrong kind.
    """
    items = array(field(obj, key, op), f'{op}.{key}')
    return tuple(string(v, f'{op}.{key}[{i}]') for i, v in enumerate(items))


# --- the JSON envelope ---------------------------------------------------------------------------

def parse_json(text: Union[str, bytes, bytearray, memoryview]) -> object:
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


def read_text(text: str) -> tuple[str, JsonObject]:
    """
    Read a client text frame's envelope: a JSON object with a string ``op``.

    :param text: the frame's text.
    :return: the op's name and the whole object.
    :raises ProtocolError: if the text is not JSON, not an object, or has no string ``op``.
    """
    try:
        message = parse_json(text)
    except ProtocolError as exc:
        raise ProtocolError(f'Invalid message: {exc}') from None
    if not isinstance(message, dict):
        raise ProtocolError(
            f'Invalid message: expected a JSON object, got {describe_value(message)}')
    op = message.get('op')
    if not isinstance(op, str):
        raise ProtocolError('Invalid message: missing string field "op"')
    return op, message


def utf8(data: memoryview, what: str) -> str:
    """
    Read UTF-8 text from a binary frame.

    :param data: the bytes.
    :param what: what they are, named in an error.
    :return: the text.
    :raises ProtocolError: if they are not UTF-8.
    """
    try:
        return str(data, 'utf-8')
    except UnicodeDecodeError:
        raise ProtocolError(f'Invalid message: {what} is not valid UTF-8') from None


# --- the core's ops ------------------------------------------------------------------------------

def decode_subscribe(msg: JsonObject) -> Subscribe:
    """
    Decode ``subscribe``.

    :param msg: the JSON object.
    :return: the message.
    :raises ProtocolError: naming the first wrong field.
    """
    entries = array(field(msg, 'subscriptions', 'subscribe'), 'subscribe.subscriptions')
    subs: list[tuple[int, int]] = []
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
        entry = json_object(entry, where)
        append(SubscriptionRequest(
            u32(field(entry, 'id', where), f'{where}.id'),
            u32(field(entry, 'channelId', where), f'{where}.channelId')))
    return Subscribe(tuple(subs))


def decode_unsubscribe(message: JsonObject) -> Unsubscribe:
    """
    Decode ``unsubscribe``.

    :param message: the JSON object.
    :return: the message.
    :raises ProtocolError: naming the first wrong field.
    """
    return Unsubscribe(u32_list(message, 'subscriptionIds', 'unsubscribe'))
