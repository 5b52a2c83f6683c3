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

"""The sans-I/O core: clients, channels, dispatch and statuses, with plain values."""

import json
import struct

from core_harness import drain, handle, make_core, make_hub, spec
from foxglove_bridge_py import protocol
from foxglove_bridge_py.capabilities.assets import Assets
from foxglove_bridge_py.capabilities.server_time import ServerTime, time_frame
from foxglove_bridge_py.config import DEFAULT_CAPABILITIES
from foxglove_bridge_py.core.fanout import StopSubscription
import pytest


def ops(session):
    return [json.loads(f)['op'] if isinstance(f, str) else f for f in drain(session)]


def test_connect_sends_server_info_then_advertise_in_batches():
    hub = make_hub()
    hub.add_channels([spec(f'/t{i}', 'std_msgs/msg/String', 'string data', 'ros2msg')
                      for i in range(150)])
    session = hub.connect('c')
    frames = [json.loads(f) for f in drain(session)]
    assert [f['op'] for f in frames] == ['serverInfo', 'advertise', 'advertise']
    assert [len(f['channels']) for f in frames[1:]] == [100, 50]
    assert frames[0]['sessionId'] == '1'


def test_empty_advertise_when_no_channels():
    session = make_hub().connect('c')
    assert ops(session) == ['serverInfo', 'advertise']


def test_removed_channel_is_unadvertised_and_released():
    hub = make_hub()
    (channel,) = hub.add_channels([spec('/gone', 't/msg/T', '', None)])
    session = hub.connect('1')
    handle(hub, session, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}')
    drain(session)
    assert hub.remove_channels([('/gone', 't/msg/T')]) == [StopSubscription(channel.id)]
    assert drain(session) == [
        '{"op":"unadvertise","channelIds":[1]}',
        '{"op":"removeStatus","statusIds":["foxglove_bridge_py.schema:/gone:t/msg/T"]}']
    assert session.subscriptions == {}
    # A topic that comes back gets a new id: clients cache decoders by id.
    (again,) = hub.add_channels([spec('/gone', 't/msg/T', '', None)])
    assert again.id != channel.id


def test_large_requests_are_handled_in_slices():
    from foxglove_bridge_py.core.ops import REQUEST_SLICE

    hub = make_hub()
    channels = hub.add_channels([spec(f'/t{i}', 't/msg/T', '', None)
                                 for i in range(REQUEST_SLICE + 10)])
    session = hub.connect('1')
    entries = ','.join('{"id":%d,"channelId":%d}' % (c.id, c.id) for c in channels)
    slices = list(hub.handle_frame_in_slices(
        session, '{"op":"subscribe","subscriptions":[%s]}' % entries))
    assert [len(s) for s in slices] == [REQUEST_SLICE, 10]
    assert len(session.subscriptions) == REQUEST_SLICE + 10


def test_time_frames_replace_unsent_ones():
    hub = make_hub()
    time = hub.register(ServerTime(hub.sessions))
    session = hub.connect('1')
    drain(session)
    for stamp in (1, 2, 3):
        time.advance(stamp)
    assert drain(session) == [time_frame(3)]


def test_standing_statuses_reach_new_clients_and_are_withdrawn():
    hub = make_hub()
    early = hub.connect('early')
    (channel,) = hub.add_channels([spec('/raw', 'x/msg/Unknown', '', None)])
    late = hub.connect('late')
    expected = ('{"op":"status","level":1,"message":"No message definition found for '
                'x/msg/Unknown (topic /raw): install its package where the bridge runs so the '
                'app can decode it","id":"foxglove_bridge_py.schema:/raw:x/msg/Unknown"}')
    assert expected in drain(early) and expected in drain(late)
    handle(hub, late, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}')
    hub.channel_problem(channel.id, 'qos', protocol.StatusLevel.WARNING, 'mixed')
    hub.channel_problem(channel.id, 'qos', protocol.StatusLevel.WARNING, 'mixed')
    assert len(drain(late)) == 1
    handle(hub, late, '{"op":"unsubscribe","subscriptionIds":[1]}')
    assert drain(late) == [
        '{"op":"removeStatus","statusIds":["foxglove_bridge_py.qos:/raw:x/msg/Unknown"]}']
    assert [json.loads(f)['id'] for f in hub.statuses.frames()] == [
        'foxglove_bridge_py.schema:/raw:x/msg/Unknown']


def test_clear_session_sends_new_server_info_and_standing_statuses():
    hub = make_hub()
    session = hub.connect('1')
    hub.statuses.set('problem', protocol.StatusLevel.ERROR, 'bad')
    drain(session)
    hub.clear_session('2')
    frames = [json.loads(f) for f in drain(session)]
    assert [f['op'] for f in frames] == ['serverInfo', 'status']
    assert frames[0]['sessionId'] == '2'
    hub.statuses.clear(['problem', 'unknown'])
    assert drain(session) == ['{"op":"removeStatus","statusIds":["problem"]}']


def test_bad_frames_answer_with_status():
    hub = make_hub()
    session = hub.connect('1')
    drain(session)
    assert handle(hub, session, 'garbage') == []
    assert handle(hub, session, b'') == []
    levels = [json.loads(f)['level'] for f in drain(session)]
    assert levels == [2, 2]


@pytest.mark.parametrize('frame, level, text', [
    ('not json', 2, 'Invalid message: not valid JSON'),
    ('{"op": "nope"}', 2, 'Unrecognized client opcode "nope"'),
    ('{"op": "subscribe", "subscriptions": "x"}', 2, 'must be an array'),
    ('{"op": "subscribe", "subscriptions": [{"id": -1, "channelId": 1}]}', 2, 'integer'),
    ('{"op": "subscribe", "subscriptions": [{"id": 1, "channelId": 99999}]}', 2,
     'Unknown channel ID: 99999'),
    ('{"op": "unsubscribe", "subscriptionIds": [42]}', 1, 'Subscription ID 42 did not exist'),
    ('{"op": "advertise", "channels": [{"id": 1, "topic": "/t", "encoding": "cdr", '
     '"schemaName": ""}]}', 2, 'schemaName is empty'),
    ('{"op": "advertise", "channels": [{"id": 1, "topic": "/t", "encoding": "protobuf", '
     '"schemaName": "std_msgs/msg/String"}]}', 2, 'unsupported encoding "protobuf"'),
    ('{"op": "unadvertise", "channelIds": [1]}', 1, 'Client channel 1 was not advertised'),
    ('{"op": "getParameters", "parameterNames": "x"}', 2, 'must be an array'),
    ('{"op": "setParameters", "parameters": [{"value": 1}]}', 2, 'missing field "name"'),
    ('{"op": "subscribeParameterUpdates", "parameterNames": [1]}', 2, 'must be a string'),
    (b'', 2, 'Received an empty binary message'),
    (b'\x09abc', 2, 'Unrecognized client opcode 9'),
    (b'\x01\x01', 2, 'buffer too short'),
    (b'\x01\x01\x00\x00\x00data', 2, 'Unknown channel ID: 1'),
    (b'\x03\x00\x00\x00\x80\x3f\x00' + bytes(8) + b'\x02\x00\x00\x00\xff\xfe', 2,
     'not valid UTF-8'),
])
def test_bad_input_gets_one_status_and_no_effect(frame, level, text):
    # The bridge's default capabilities, as a live bridge offers them.
    core = make_core(capabilities=DEFAULT_CAPABILITIES)
    session = core.hub.connect('c')
    drain(session)
    assert handle(core.hub, session, frame) == []
    (status,) = [json.loads(f) for f in drain(session)]
    assert status['level'] == level
    assert text in status['message']


@pytest.mark.parametrize('frame, capability', [
    ('{"op": "getParameters", "parameterNames": []}', 'parameters'),
    ('{"op": "setParameters", "parameters": []}', 'parameters'),
    ('{"op": "subscribeParameterUpdates", "parameterNames": []}', 'parametersSubscribe'),
    ('{"op": "unsubscribeParameterUpdates", "parameterNames": []}', 'parametersSubscribe'),
    ('{"op": "subscribeConnectionGraph"}', 'connectionGraph'),
    ('{"op": "unsubscribeConnectionGraph"}', 'connectionGraph'),
    ('{"op": "fetchAsset", "uri": "package://a/b.stl", "requestId": 1}', 'assets'),
    ('{"op": "advertise", "channels": []}', 'clientPublish'),
    (b'\x03\x00\x00\x00\x80\x3f\x00' + bytes(8) + b'\x02\x00\x00\x00id', 'playbackControl'),
])
def test_ops_whose_capability_is_off_get_an_error(frame, capability):
    core = make_core(capabilities=())
    session = core.hub.connect('c')
    assert json.loads(drain(session)[0])['capabilities'] == []
    assert handle(core.hub, session, frame) == []
    (status,) = [json.loads(f) for f in drain(session)]
    assert status['level'] == 2
    assert f'"{capability}" capability' in status['message']


def test_service_call_without_capability_gets_a_call_failure():
    core = make_core(capabilities=('clientPublish',))
    session = core.hub.connect('c')
    drain(session)
    call = struct.pack('<BIII', 2, 99, 123, 3) + b'cdr' + b'\x00\x01'
    assert handle(core.hub, session, call) == []
    assert [json.loads(f) for f in drain(session)] == [{
        'op': 'serviceCallFailure', 'serviceId': 99, 'callId': 123,
        'message': 'Server does not support services'}]


def test_an_op_no_capability_registered_is_unrecognized_not_raised():
    # A capability offered in serverInfo but not registered (a bridge built without it): the
    # hub knows an op only through the module that declares and answers it.
    hub = make_hub()
    hub.capabilities = ('assets',)
    session = hub.connect('c')
    drain(session)
    assert handle(hub, session, '{"op":"fetchAsset","uri":"x","requestId":1}') == []
    assert json.loads(drain(session)[0]) == {
        'op': 'status', 'level': 2, 'message': 'Unrecognized client opcode "fetchAsset"'}


@pytest.mark.parametrize('frame, message', [
    ('{"op": "dance"}', 'Unrecognized client opcode "dance"'),
    ('nope', 'Invalid message: not valid JSON (Expecting value: line 1 column 1 (char 0))'),
    ('[1]', 'Invalid message: expected a JSON object, got an array'),
    (b'', 'Received an empty binary message'),
    (b'\x07', 'Unrecognized client opcode 7'),
])
def test_unknown_and_unreadable_frames_get_an_error_status(frame, message):
    core = make_core()
    session = core.hub.connect('c')
    drain(session)
    assert handle(core.hub, session, frame) == []
    assert [json.loads(f) for f in drain(session)] == [
        {'op': 'status', 'level': 2, 'message': message}]


def test_an_op_is_registered_once():
    core = make_core()
    with pytest.raises(ValueError, match='op fetchAsset is registered twice'):
        core.hub.register(Assets(core.hub.sessions))
