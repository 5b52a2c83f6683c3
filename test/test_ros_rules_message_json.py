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

"""JSON to ROS messages, for every field kind of test_msgs, checked through a CDR round trip."""

import math

from foxglove_bridge_py.ros_rules.message_json import JsonConversionError, message_from_json
import pytest

pytest.importorskip('rclpy')
test_msgs = pytest.importorskip('test_msgs.msg')

from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402, I100

BASIC = {'bool_value': True, 'byte_value': 255, 'char_value': 65, 'float32_value': 1.5,
         'float64_value': -2, 'int8_value': -128, 'uint8_value': 255, 'int16_value': -32768,
         'uint16_value': 65535, 'int32_value': -2**31, 'uint32_value': 2**32 - 1,
         'int64_value': -2**63, 'uint64_value': 2**64 - 1}


def round_trip(message_class, value):
    message = message_from_json(message_class, value)
    return deserialize_message(serialize_message(message), message_class)


def test_every_basic_type():
    message = round_trip(test_msgs.BasicTypes, BASIC)
    for name, value in BASIC.items():
        expected = bytes([value]) if name == 'byte_value' else value
        assert getattr(message, name) == expected, name


def test_missing_fields_keep_defaults():
    message = round_trip(test_msgs.Defaults, {'int8_value': 3})
    assert message.int8_value == 3
    assert message.bool_value is True and message.float64_value == 1.125


def test_fixed_arrays_and_nested_messages():
    value = {'bool_values': [True, False, True], 'byte_values': [0, 1, 255],
             'char_values': [1, 2, 3], 'uint8_values': 'AQID', 'float64_values': [1, 2.5, -3],
             'string_values': ['a', '', 'ü'],
             'basic_types_values': [{}, {'int16_value': -5}, BASIC]}
    message = round_trip(test_msgs.Arrays, value)
    assert list(message.bool_values) == [True, False, True]
    assert list(message.byte_values) == [b'\x00', b'\x01', b'\xff']
    assert list(message.uint8_values) == [1, 2, 3]
    assert list(message.float64_values) == [1.0, 2.5, -3.0]
    assert list(message.string_values) == ['a', '', 'ü']
    assert message.basic_types_values[1].int16_value == -5
    assert message.basic_types_values[2].uint64_value == 2**64 - 1


def test_bounded_and_unbounded_sequences():
    bounded = round_trip(test_msgs.BoundedSequences, {
        'int32_values': [1, 2], 'byte_values': 'AAE=', 'string_values': ['x']})
    assert list(bounded.int32_values) == [1, 2]
    assert list(bounded.byte_values) == [b'\x00', b'\x01']
    unbounded = round_trip(test_msgs.UnboundedSequences, {
        'uint8_values': list(range(256)), 'float32_values': [0.5] * 100,
        'basic_types_values': [BASIC] * 4})
    assert bytes(unbounded.uint8_values) == bytes(range(256))
    assert len(unbounded.basic_types_values) == 4


def test_strings_and_deep_nesting():
    strings = round_trip(test_msgs.Strings, {'string_value': 'hello', 'bounded_string_value':
                                             'x' * 22})
    assert strings.bounded_string_value == 'x' * 22
    wide = round_trip(test_msgs.WStrings, {'wstring_value': 'héllo wörld',
                                           'unbounded_sequence_of_wstrings': ['a', 'ß']})
    assert wide.wstring_value == 'héllo wörld'
    nested = round_trip(test_msgs.MultiNested, {
        'unbounded_sequence_of_bounded_sequences': [{'int8_values': [1, 2]}]})
    assert list(nested.unbounded_sequence_of_bounded_sequences[0].int8_values) == [1, 2]


def test_infinity_and_nan_are_floats():
    message = message_from_json(test_msgs.BasicTypes, {'float64_value': math.inf,
                                                       'float32_value': math.nan})
    assert message.float64_value == math.inf and math.isnan(message.float32_value)


@pytest.mark.parametrize('message_class, value, text', [
    ('BasicTypes', {'int8_value': 128}, 'field int8_value: expected an integer from -128 to 127'),
    ('BasicTypes', {'uint64_value': -1}, 'field uint64_value: expected an integer from 0'),
    ('BasicTypes', {'bool_value': 0}, 'field bool_value: expected a boolean'),
    ('BasicTypes', {'int32_value': True}, 'field int32_value: expected an integer'),
    ('BasicTypes', {'float64_value': '1.0'}, 'field float64_value: expected a number'),
    ('BasicTypes', {'float32_value': 1e40}, 'float32 range'),
    ('BasicTypes', {'int16_value': 1.5}, 'field int16_value: expected an integer'),
    ('BasicTypes', {'surprise': 1}, 'field surprise: no such field in test_msgs/BasicTypes'),
    ('Arrays', {'int8_values': [1, 2]}, 'field int8_values: expected exactly 3 elements'),
    ('Arrays', {'basic_types_values': [{}, {'x': 1}, {}]},
     'field basic_types_values[1].x: no such field'),
    ('Arrays', {'uint8_values': 'not base64!'}, 'an array of bytes or a base64 string'),
    ('BoundedSequences', {'string_values': ['a', 'b', 'c', 'd']},
     'field string_values: expected at most 3 elements, got 4'),
    ('UnboundedSequences', {'int8_values': 5}, 'field int8_values: expected an array'),
    ('Strings', {'string_value': 5}, 'field string_value: expected a string'),
    ('Strings', {'bounded_string_value': 'y' * 23}, 'longer than its bound of 22'),
    ('MultiNested', {'array_of_arrays': [{}, {}, {'bool_values': [1, 0, 1]}]},
     'field array_of_arrays[2].bool_values[0]: expected a boolean'),
    ('Nested', {'basic_types_value': []}, 'field basic_types_value: expected an object'),
])
def test_malformed_input_names_the_field(message_class, value, text):
    with pytest.raises(JsonConversionError, match=text.replace('[', r'\[').replace(']', r'\]')):
        message_from_json(getattr(test_msgs, message_class), value)


def test_top_level_must_be_an_object():
    with pytest.raises(JsonConversionError, match='expected an object'):
        message_from_json(test_msgs.BasicTypes, [1])
