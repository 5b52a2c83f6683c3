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
JSON to ROS messages, through rosidl introspection of the generated message classes.

Every field is checked against its declared type (``SLOT_TYPES``): integers in range, floats,
booleans, bounded strings and sequences, fixed-size arrays, nested messages. Missing fields keep
their defaults; unknown fields and wrong types raise :class:`JsonConversionError` naming the
field's path, e.g. ``header.stamp.sec``. ``uint8``/``byte`` arrays may be given as a list of
numbers or as a base64 string.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import math
from typing import (Callable, cast, Iterable, Protocol, SupportsFloat, SupportsInt,
                    TYPE_CHECKING, TypeVar)

from foxglove_bridge_py.protocol import describe_value

if TYPE_CHECKING:  # rosidl's type definitions: untyped, the boundary with ROS
    from rosidl_parser.definition import AbstractType

FLOAT32_MAX = 3.4028234663852886e38
INTEGER_RANGES = {
    'int8': (-2**7, 2**7 - 1), 'uint8': (0, 2**8 - 1), 'int16': (-2**15, 2**15 - 1),
    'uint16': (0, 2**16 - 1), 'int32': (-2**31, 2**31 - 1), 'uint32': (0, 2**32 - 1),
    'int64': (-2**63, 2**63 - 1), 'uint64': (0, 2**64 - 1), 'octet': (0, 255),
}
Number = TypeVar('Number', int, float)
FLOAT_TYPES = frozenset({'float', 'double', 'long double'})
BYTE_TYPES = frozenset({'uint8', 'octet'})


class JsonConversionError(ValueError):
    """A JSON value that does not fit the message type; the text names the field's path."""


def _describe(value: object) -> str:
    return f'{describe_value(value)} ({value!r:.40})'


def _fail(path: str, expected: str, value: object) -> JsonConversionError:
    return JsonConversionError(f'field {path or "(message)"}: expected {expected}, '
                               f'got {_describe(value)}')


def _basic(typename: str, value: object, path: str) -> object:
    if typename == 'boolean':
        if not isinstance(value, bool):
            raise _fail(path, 'a boolean', value)
        return value
    if typename in INTEGER_RANGES:
        low, high = INTEGER_RANGES[typename]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _fail(path, f'an integer from {low} to {high} ({typename})', value)
        return bytes([value]) if typename == 'octet' else value
    if typename in FLOAT_TYPES:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, 'a number', value)
        value = float(value)
        if typename == 'float' and math.isfinite(value) and abs(value) > FLOAT32_MAX:
            raise _fail(path, 'a number within float32 range', value)
        return value
    if typename in ('char', 'wchar'):
        if not isinstance(value, str) or len(value) != 1:
            raise _fail(path, 'a one-character string', value)
        return value
    raise JsonConversionError(f'field {path}: unsupported type {typename}')


def _string(slot: AbstractType, value: object, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, 'a string', value)
    maximum = getattr(slot, 'maximum_size', None)
    if maximum is not None and len(value) > maximum:
        raise JsonConversionError(f'field {path}: string longer than its bound of {maximum}')
    return value


def _message_class(slot: AbstractType) -> type:
    module = importlib.import_module('.'.join(slot.namespaces))
    return getattr(module, slot.name)


def _value(slot: AbstractType, value: object, path: str) -> object:
    kind = type(slot).__name__
    if kind == 'BasicType':
        return _basic(slot.typename, value, path)
    if kind in ('UnboundedString', 'BoundedString', 'UnboundedWString', 'BoundedWString'):
        return _string(slot, value, path)
    if kind == 'NamespacedType':
        return _message(_message_class(slot), value, path)
    if kind in ('Array', 'BoundedSequence', 'UnboundedSequence'):
        return _sequence(slot, kind, value, path)
    raise JsonConversionError(f'field {path}: unsupported type {kind}')


def _sequence(slot: AbstractType, kind: str, value: object, path: str) -> object:
    element = slot.value_type
    is_bytes = type(element).__name__ == 'BasicType' and element.typename in BYTE_TYPES
    if is_bytes and isinstance(value, str):
        try:
            value = list(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise _fail(path, 'an array of bytes or a base64 string', value) from None
    if not isinstance(value, list):
        raise _fail(path, 'an array', value)
    if kind == 'Array' and len(value) != slot.size:
        raise JsonConversionError(f'field {path}: expected exactly {slot.size} elements, got '
                                  f'{len(value)}')
    if kind == 'BoundedSequence' and len(value) > slot.maximum_size:
        raise JsonConversionError(f'field {path}: expected at most {slot.maximum_size} '
                                  f'elements, got {len(value)}')
    items = [_value(element, item, f'{path}[{i}]') for i, item in enumerate(value)]
    if is_bytes and element.typename == 'uint8' and kind != 'Array':
        return bytes(cast(list[int], items))  # each checked by _basic as a uint8
    return items


def _message(message_class: type, value: object, path: str) -> object:
    if not isinstance(value, dict):
        raise _fail(path, f'an object ({message_class.__name__})', value)
    fields = _fields(message_class)
    unknown = [name for name in value if name not in fields]
    if unknown:
        where = f'{path}.{unknown[0]}' if path else unknown[0]
        raise JsonConversionError(f'field {where}: no such field in '
                                  f'{message_class.__module__.split(".")[0]}/'
                                  f'{message_class.__name__}')
    message = message_class()
    for name, item in value.items():
        setattr(message, name, _value(fields[name], item, f'{path}.{name}' if path else name))
    return message


def message_from_json(message_class: type, value: object) -> object:
    """
    Build a ROS message from a decoded JSON object.

    :param message_class: the generated message class, e.g. ``std_msgs.msg.String``.
    :param value: the decoded JSON (an object, or the error says what it is instead).
    :return: the message.
    :raises JsonConversionError: naming the path of the first field that does not fit.
    """
    return _message(message_class, value, '')


def _to_json(slot: AbstractType, value: object) -> object:
    # A field as rclpy gives it: a Python number or a NumPy scalar, bytes, a sequence (a list,
    # an array.array or a NumPy array), a string, or a message.
    kind = type(slot).__name__
    if kind == 'BasicType':
        if slot.typename == 'octet':
            return value[0] if isinstance(value, (bytes, bytearray)) else _number(value, int)
        if slot.typename in FLOAT_TYPES:
            return _number(value, float)
        if slot.typename == 'boolean':
            return bool(value)
        if slot.typename in INTEGER_RANGES:
            return _number(value, int)
        return value
    if kind == 'NamespacedType':
        return message_to_json(value)
    if kind in ('Array', 'BoundedSequence', 'UnboundedSequence'):
        return [_to_json(slot.value_type, item) for item in cast(Iterable[object], value)]
    return value


def _number(value: object, kind: Callable[[SupportsNumber], Number]) -> Number:
    return kind(cast(SupportsNumber, value))  # a number field: int, float or a NumPy scalar


class SupportsNumber(SupportsInt, SupportsFloat, Protocol):
    """A number field's value: a Python number, or a NumPy scalar."""


def message_to_json(message: object) -> dict[str, object]:
    """
    Turn a ROS message into plain JSON values, the inverse of :func:`message_from_json`.

    Byte arrays become lists of numbers; NaN and infinities stay floats, which
    :func:`foxglove_bridge_py.protocol.encode_json` writes as null.

    :param message: the message.
    :return: a dict of JSON values.
    """
    return {name: _to_json(slot, getattr(message, name))
            for name, slot in _fields(type(message)).items()}


def _fields(message_class: type) -> dict[str, AbstractType]:
    # A generated message class names its fields and their types (rosidl's definitions).
    names = getattr(message_class, 'get_fields_and_field_types')()
    return dict(zip(names, getattr(message_class, 'SLOT_TYPES')))
