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
The wire format against literal bytes and dicts (vectors from the SDK's snapshot tests).

Every op is decoded as the hub decodes it (``core.ops.decode``), found among the ops the
capability modules declare; the hub's own answers to unknown ops are in ``test_session``.
"""

import json
import math

from foxglove_bridge_py import protocol
from foxglove_bridge_py.capabilities import (assets, client_publish, connection_graph, parameters,
                                             playback, server_time, services)
from foxglove_bridge_py.core import fanout
from foxglove_bridge_py.core.ops import BinaryOp, decode
from foxglove_bridge_py.protocol import ProtocolError
import pytest

PAYLOAD = b'{"key": "value"}'
OPS = (fanout.SUBSCRIBE, fanout.UNSUBSCRIBE, client_publish.ADVERTISE, client_publish.UNADVERTISE,
       client_publish.PUBLISH, parameters.GET, parameters.SET, parameters.SUBSCRIBE,
       parameters.UNSUBSCRIBE, connection_graph.SUBSCRIBE, connection_graph.UNSUBSCRIBE,
       assets.FETCH, services.CALL, playback.CONTROL)


def decode_text(text):
    name, body = protocol.read_text(text)
    (op,) = [op for op in OPS if not isinstance(op, BinaryOp) and op.name == name]
    return decode(op, body)


def decode_binary(data):
    view = memoryview(data)
    (op,) = [op for op in OPS if isinstance(op, BinaryOp) and op.opcode == view[0]]
    return decode(op, view)


def test_every_op_has_one_name_and_opcode():
    names = [op.name for op in OPS]
    opcodes = [op.opcode for op in OPS if isinstance(op, BinaryOp)]
    assert len(set(names)) == len(names) and len(set(opcodes)) == len(opcodes) == 3


def test_server_binary_layouts_match_sdk_vectors():
    assert protocol.message_data_header(30, 1234) + PAYLOAD == bytes.fromhex(
        '011e000000d2040000000000007b226b6579223a202276616c7565227d')
    assert server_time.time_frame(1234567890) == bytes.fromhex('02d202964900000000')
    assert services.service_call_response(10, 12, 'json', PAYLOAD) == bytes.fromhex(
        '030a0000000c000000040000006a736f6e7b226b6579223a202276616c7565227d')
    assert assets.fetch_asset_response(10, data=b'data') == bytes.fromhex(
        '040a000000000000000064617461')
    assert assets.fetch_asset_response(10, error='oh no') == bytes.fromhex(
        '040a00000001050000006f68206e6f')
    assert playback.playback_state(0, 12345, 1.0, True) == bytes.fromhex(
        '050039300000000000000000803f0100000000')
    assert playback.playback_state(0, 12345, 1.0, False, 'i-am-a-request') == bytes.fromhex(
        '050039300000000000000000803f000e000000692d616d2d612d72657175657374')


def test_client_binary_messages_decode():
    message = decode_binary(bytes.fromhex('011e0000007b226b6579223a202276616c7565227d'))
    assert message.channel_id == 30
    assert bytes(message.payload) == PAYLOAD
    message = decode_binary(bytes.fromhex(
        '020a0000000c000000040000006a736f6e7b226b6579223a202276616c7565227d'))
    assert (message.service_id, message.call_id, message.encoding) == (10, 12, 'json')
    assert bytes(message.payload) == PAYLOAD
    play = decode_binary(bytes.fromhex(
        '03000000803f00000000000000000007000000736f6d652d6964'))
    assert play == playback.PlaybackControlRequest(0, 1.0, None, 'some-id')
    pause = decode_binary(bytes.fromhex(
        '03010000803f00000000000000000007000000736f6d652d6964'))
    assert pause.command == 1
    seek = decode_binary(bytes.fromhex(
        '03000000803f0115cd5b070000000007000000736f6d652d6964'))
    assert seek.seek_time == 123456789


@pytest.mark.parametrize('frame, text', [
    (b'\x01\x00\x00', 'ClientMessageData buffer too short'),
    (b'\x02\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00', 'ServiceCallRequest buffer too short'),
    (bytes.fromhex('0201000000020000000a000000') + b'cdr', 'encoding length exceeds'),
    (bytes.fromhex('020100000002000000020000') + b'\x00\xff\xfe', 'not valid UTF-8'),
    (bytes.fromhex('03000000803f00'), 'PlaybackControlRequest buffer too short'),
    (bytes.fromhex('03000000803f000000000000000000ff000000'), 'does not match'),
    (bytes.fromhex('03050000803f00000000000000000000000000'), 'unknown playback command'),
])
def test_bad_binary_frames_raise_protocol_error(frame, text):
    with pytest.raises(ProtocolError, match=text):
        decode_binary(frame)


def test_json_ops_decode():
    assert decode_text(
        '{"op":"subscribe","subscriptions":[{"id":0,"channelId":3}]}') == protocol.Subscribe(
        (protocol.SubscriptionRequest(0, 3),))
    assert decode_text('{"op":"unsubscribe","subscriptionIds":[1,2]}') == \
        protocol.Unsubscribe((1, 2))
    advertise = decode_text(json.dumps({'op': 'advertise', 'channels': [
        {'id': 1, 'topic': '/t', 'encoding': 'cdr', 'schemaName': 'std_msgs/msg/String'}]}))
    assert advertise.channels[0] == client_publish.ClientChannel(1, '/t', 'cdr',
                                                                 'std_msgs/msg/String')
    assert decode_text('{"op":"unadvertise","channelIds":[1]}') == \
        client_publish.ClientUnadvertise((1,))
    assert decode_text('{"op":"getParameters","parameterNames":["/a.b"],"id":"x"}') == \
        parameters.GetParameters(('/a.b',), 'x')
    assert decode_text('{"op":"subscribeConnectionGraph"}') == \
        connection_graph.SubscribeConnectionGraph()
    assert decode_text('{"op":"fetchAsset","uri":"package://p/m.stl","requestId":4}') \
        == assets.FetchAsset('package://p/m.stl', 4)


def test_parameter_type_hints():
    message = decode_text(json.dumps({'op': 'setParameters', 'parameters': [
        {'name': '/n.f', 'value': 10, 'type': 'float64'},
        {'name': '/n.fa', 'value': [3, 2, 1], 'type': 'float64_array'},
        {'name': '/n.b', 'value': 'ECAw', 'type': 'byte_array'},
        {'name': '/n.mixed', 'value': [1, 2.5]},
        {'name': '/n.unset'}]}))
    values = {p.name: (p.value, p.type) for p in message.parameters}
    assert values['/n.f'] == (10.0, 'float64') and isinstance(values['/n.f'][0], float)
    assert values['/n.fa'] == ([3.0, 2.0, 1.0], 'float64_array')
    assert values['/n.b'] == (b'\x10\x20\x30', 'byte_array')
    assert values['/n.mixed'] == ([1.0, 2.5], 'float64_array')
    assert values['/n.unset'] == (None, None)


@pytest.mark.parametrize('text, message', [
    ('nope', 'Invalid message: not valid JSON'),
    ('[1]', 'Invalid message: expected a JSON object'),
    ('{"x": 1}', 'Invalid message: missing string field "op"'),
    ('{"op": "subscribe"}', 'Invalid message: subscribe: missing field "subscriptions"'),
    ('{"op": "subscribe", "subscriptions": [{"id": 1}]}', 'missing field "channelId"'),
    ('{"op": "subscribe", "subscriptions": [{"id": 1.5, "channelId": 1}]}', 'integer'),
    ('{"op": "subscribe", "subscriptions": [{"id": true, "channelId": 1}]}', 'integer'),
    ('{"op": "subscribe", "subscriptions": [{"id": 4294967296, "channelId": 1}]}', 'integer'),
    ('{"op": "unsubscribe", "subscriptionIds": "1"}', 'must be an array'),
    ('{"op": "advertise", "channels": [{"id": 1, "topic": 5}]}', 'topic must be a string'),
    ('{"op": "getParameters", "parameterNames": [1]}', 'must be a string'),
    ('{"op": "setParameters", "parameters": [{"name": "a", "value": "x", "type": "float64"}]}',
     'must be a number'),
    ('{"op": "setParameters", "parameters": [{"name": "a", "value": "!!", "type": '
     '"byte_array"}]}', 'not valid base64'),
    ('{"op": "setParameters", "parameters": [{"name": "a", "extra": 1}]}', 'unknown field'),
    ('{"op": "setParameters", "parameters": [{"name": "a", "type": "int"}]}', 'type must be'),
    ('{"op": "fetchAsset", "uri": "x"}', 'missing field "requestId"'),
])
def test_bad_json_raises_protocol_error(text, message):
    with pytest.raises(ProtocolError, match=message):
        decode_text(text)


def test_server_json_messages():
    channel = protocol.Channel(1, '/chatter', 'cdr', 'std_msgs/msg/String', 'string data',
                               'ros2msg')
    assert json.loads(protocol.advertise([channel])) == {'op': 'advertise', 'channels': [
        {'id': 1, 'topic': '/chatter', 'encoding': 'cdr', 'schemaName': 'std_msgs/msg/String',
         'schema': 'string data', 'schemaEncoding': 'ros2msg'}]}
    no_schema = protocol.Channel(2, '/x', 'cdr', 'a/msg/B', '', None)
    assert 'schemaEncoding' not in json.loads(protocol.advertise([no_schema]))['channels'][0]
    assert protocol.unadvertise([1, 2]) == '{"op":"unadvertise","channelIds":[1,2]}'
    assert protocol.status(protocol.StatusLevel.WARNING, 'careful', 'id1') == \
        '{"op":"status","level":1,"message":"careful","id":"id1"}'
    assert protocol.remove_status(['id1']) == '{"op":"removeStatus","statusIds":["id1"]}'
    info = json.loads(protocol.server_info(
        name='n', capabilities=['time'], supported_encodings=['cdr'],
        metadata={'ROS_DISTRO': 'kilted'}, session_id='5'))
    assert info == {'op': 'serverInfo', 'name': 'n', 'capabilities': ['time'],
                    'supportedEncodings': ['cdr'], 'metadata': {'ROS_DISTRO': 'kilted'},
                    'sessionId': '5'}


def test_json_never_contains_nan():
    text = protocol.encode_json({'op': 'x', 'values': [math.nan, 1.0, {'y': math.inf}]})
    assert text == '{"op":"x","values":[null,1.0,{"y":null}]}'
