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

"""What each role and each token's whitelists let a client see and do, in the core (pure)."""

import hashlib
import struct

from core_harness import channel, handle, make_core, texts
from foxglove_bridge_py import protocol
from foxglove_bridge_py.access.grant import OPEN
from foxglove_bridge_py.access.table import parse_access_file
from foxglove_bridge_py.capabilities.parameters import GetParams, Parameter, SetParams
from foxglove_bridge_py.capabilities.services import CallService
from foxglove_bridge_py.core.audit import audit_line
from foxglove_bridge_py.core.fanout import StartSubscription
from foxglove_bridge_py.protocol import Service

TABLE = parse_access_file(f"""\
tokens:
  - name: op
    sha256: {hashlib.sha256(b'op').hexdigest()}
    role: operator
  - name: lobby
    sha256: {hashlib.sha256(b'lobby').hexdigest()}
    role: viewer
    topic_whitelist: ['/camera/.*']
    param_whitelist: ['/cam[.].*']
  - name: narrow-op
    sha256: {hashlib.sha256(b'narrow').hexdigest()}
    role: operator
    client_topic_whitelist: ['/cmd_vel']
    service_whitelist: ['/reset']
""")
OPERATOR, VIEWER, NARROW = (TABLE.grant_for(t) for t in ('op', 'lobby', 'narrow'))
SERVICE = Service(0, '/reset', 'std_srvs/srv/Trigger', '', '', 'ros2msg')


def core_with(*grants):
    core = make_core()
    core.hub.add_channels([channel('/camera/image'), channel('/tf'), channel('/odom')])
    core.services.add([SERVICE, Service(0, '/shutdown', 'std_srvs/srv/Trigger', '', '',
                                        'ros2msg')])
    return core, [core.hub.connect(f'c{i}', grant) for i, grant in enumerate(grants)]


def advertised(frames):
    return sorted(c['topic'] for f in frames if f['op'] == 'advertise' for c in f['channels'])


def test_each_role_is_told_of_what_it_may_use():
    core, (operator, viewer, narrow) = core_with(OPERATOR, VIEWER, NARROW)
    greeting = {name: texts(s) for name, s in (('op', operator), ('viewer', viewer),
                                               ('narrow', narrow))}
    everything = ['parameters', 'parametersSubscribe', 'connectionGraph', 'assets', 'time',
                  'playbackControl']
    assert greeting['op'][0]['capabilities'] == [
        'clientPublish', 'parameters', 'parametersSubscribe', 'services', 'connectionGraph',
        'assets', 'time', 'playbackControl']
    assert greeting['viewer'][0]['capabilities'] == everything
    assert advertised(greeting['op']) == ['/camera/image', '/odom', '/tf']
    assert advertised(greeting['viewer']) == ['/camera/image']
    services = {name: sorted(s['name'] for f in frames if f['op'] == 'advertiseServices'
                             for s in f['services']) for name, frames in greeting.items()}
    assert services == {'op': ['/reset', '/shutdown'], 'viewer': [], 'narrow': ['/reset']}
    # What comes later is filtered the same way, and so is what goes.
    core.hub.add_channels([channel('/camera/depth'), channel('/map')])
    core.services.add([Service(0, '/dock', 'std_srvs/srv/Trigger', '', '', 'ros2msg')])
    assert [advertised(texts(s)) for s in (operator, viewer)] == [
        ['/camera/depth', '/map'], ['/camera/depth']]
    assert [f['op'] for f in texts(narrow)] == ['advertise']
    core.hub.remove_channels([('/map', 'std_msgs/msg/String')])
    core.services.remove(['/dock', '/reset'])
    assert [f['op'] for f in texts(viewer)] == []
    assert [f['op'] for f in texts(narrow)] == ['unadvertise', 'unadvertiseServices']
    core.hub.clear_session('2')
    assert texts(viewer)[0]['capabilities'] == everything


def test_a_viewer_is_refused_every_op_that_changes_the_robot_and_nothing_reaches_ros():
    core, (viewer,) = core_with(VIEWER)
    texts(viewer)
    hub = core.hub
    client_channel = {'id': 1, 'topic': '/camera/cmd', 'encoding': 'cdr',
                      'schemaName': 'std_msgs/msg/String'}
    requests = [
        '{"op": "advertise", "channels": [%s]}' % protocol.encode_json(client_channel),
        '{"op": "unadvertise", "channelIds": [1]}',
        struct.pack('<BI', 1, 1) + b'cdr',
        '{"op": "setParameters", "parameters": [{"name": "/cam.exposure", "value": 2}]}',
    ]
    for request in requests:
        assert handle(hub, viewer, request) == []
    assert [s['message'] for s in texts(viewer)] == [
        'advertise refused: token "lobby" is a viewer',
        'unadvertise refused: token "lobby" is a viewer',
        'publish refused: token "lobby" is a viewer',
        'setParameters refused: token "lobby" is a viewer']
    call = struct.pack('<BIII', 2, 1, 7, 3) + b'cdr'
    assert handle(hub, viewer, call) == []
    assert texts(viewer) == [{'op': 'serviceCallFailure', 'serviceId': 1, 'callId': 7,
                              'message': 'serviceCallRequest refused: token "lobby" is a '
                                         'viewer'}]
    anonymous = parse_access_file('anonymous: viewer').grant_for(None)
    stranger = hub.connect('s', anonymous)
    texts(stranger)
    handle(hub, stranger, '{"op": "setParameters", "parameters": []}')
    assert texts(stranger)[0]['message'] == (
        'setParameters refused: a client without a token is a viewer')


def test_a_viewer_reads_subscribes_and_gets_parameters_within_its_whitelists():
    core, (viewer,) = core_with(VIEWER)
    channels = {c['topic']: c['id'] for f in texts(viewer) if f['op'] == 'advertise'
                for c in f['channels']}
    hidden = core.hub._channel_by_key[('/tf', 'std_msgs/msg/String')]
    effects = handle(core.hub, viewer, protocol.encode_json({
        'op': 'subscribe', 'subscriptions': [{'id': 1, 'channelId': channels['/camera/image']},
                                             {'id': 2, 'channelId': hidden}]}))
    assert [type(e) for e in effects] == [StartSubscription]
    assert texts(viewer)[0]['message'] == (
        f'Unknown channel ID: {hidden}; ignoring subscription')
    get = '{"op": "getParameters", "id": "g", "parameterNames": ["/cam.gain", "/arm.speed"]}'
    assert handle(core.hub, viewer, get) == [GetParams(viewer.client_id, ('/cam.gain',), 'g')]
    assert handle(core.hub, viewer, get.replace('/cam.gain', '/arm.x')) == []
    assert texts(viewer) == [{'op': 'parameterValues', 'id': 'g', 'parameters': []}]
    values = [Parameter('/cam.gain', 2), Parameter('/arm.speed', 1)]
    core.parameters.values(viewer.client_id, values, 'h')
    assert texts(viewer)[0]['parameters'] == [{'name': '/cam.gain', 'value': 2}]
    handle(core.hub, viewer, '{"op": "subscribeParameterUpdates", "parameterNames": []}')
    core.parameters.updates(values)
    assert texts(viewer)[0]['parameters'] == [{'name': '/cam.gain', 'value': 2}]


def test_an_operators_token_narrows_publishing_services_and_parameters():
    core, (narrow,) = core_with(NARROW)
    texts(narrow)
    hub = core.hub
    advertise = {'op': 'advertise', 'channels': [
        {'id': 1, 'topic': '/cmd_vel', 'encoding': 'cdr', 'schemaName': 'geometry_msgs/msg/Twist'},
        {'id': 2, 'topic': '/arm', 'encoding': 'cdr', 'schemaName': 'std_msgs/msg/String'}]}
    effects = handle(hub, narrow, protocol.encode_json(advertise))
    assert [e.channel.topic for e in effects] == ['/cmd_vel']
    assert texts(narrow)[0]['message'] == (
        'Cannot advertise channel 2 on /arm: topic is not in the client_topic_whitelist of '
        'token "narrow-op"')
    reset_id, shutdown_id = sorted(core.services.services)
    effects = handle(hub, narrow, struct.pack('<BIII', 2, shutdown_id, 1, 3) + b'cdr')
    assert effects == [] and texts(narrow)[0]['message'] == f'Unknown service: {shutdown_id}'
    effects = handle(hub, narrow, struct.pack('<BIII', 2, reset_id, 2, 3) + b'cdr')
    assert [type(e) for e in effects] == [CallService]
    lobby_core, (lobby_op,) = core_with(
        parse_access_file(f"""tokens:
  - name: cam-op
    sha256: {hashlib.sha256(b'x').hexdigest()}
    role: operator
    param_whitelist: ['/cam[.].*']""").grant_for('x'))
    texts(lobby_op)
    effects = handle(lobby_core.hub, lobby_op, protocol.encode_json({
        'op': 'setParameters', 'id': 's', 'parameters': [
            {'name': '/cam.gain', 'value': 3}, {'name': '/arm.speed', 'value': 9}]}))
    assert effects == [SetParams(lobby_op.client_id, (Parameter('/cam.gain', 3),), 's')]
    assert texts(lobby_op)[0]['message'] == (
        'setParameters refused for /arm.speed: not in the param_whitelist of token "cam-op"')


def test_without_an_access_file_nothing_changes():
    core, (anyone,) = core_with(OPEN)
    frames = texts(anyone)
    assert 'clientPublish' in frames[0]['capabilities']
    assert advertised(frames) == ['/camera/image', '/odom', '/tf']


def test_the_audit_line_names_the_token_never_the_secret():
    core, (operator,) = core_with(OPERATOR)
    service = core.services.services[1]
    call = CallService(operator.client_id, service, 3, 'cdr', b'payload')
    assert audit_line(call, core.hub.sessions) == (
        'audit: token "op" (operator, c0) called service /reset (std_srvs/srv/Trigger)')
    names = tuple(Parameter(f'/n.p{i}', i) for i in range(12))
    assert audit_line(SetParams(operator.client_id, names, None), core.hub.sessions) == (
        'audit: token "op" (operator, c0) set parameters /n.p0, /n.p1, /n.p2, /n.p3, /n.p4, '
        '/n.p5, /n.p6, /n.p7, /n.p8, /n.p9 and 2 more')
    effects = handle(core.hub, operator, protocol.encode_json({
        'op': 'advertise', 'channels': [{'id': 1, 'topic': '/cmd_vel', 'encoding': 'json',
                                         'schemaName': 'std_msgs/msg/String'}]}))
    assert audit_line(effects[0], core.hub.sessions) == (
        'audit: token "op" (operator, c0) advertised /cmd_vel (std_msgs/msg/String, json) for '
        'publishing')
    assert audit_line(StartSubscription(core.hub.channels[1]), core.hub.sessions) is None


def test_a_viewer_may_not_drive_a_recording_that_is_published_into_ros():
    request = struct.pack('<BBfBQI', 3, 0, 1.0, 0, 0, 2) + b'id'
    for publishes, viewer_refused in ((False, False), (True, True)):
        core = make_core(playback_publish=publishes)
        viewer = core.hub.connect('v', VIEWER)
        texts(viewer)
        effects = handle(core.hub, viewer, request)
        assert (effects == []) is viewer_refused
        statuses = [f['message'] for f in texts(viewer) if f['op'] == 'status']
        assert bool(statuses) is viewer_refused, statuses
        assert handle(core.hub, core.hub.connect('o', OPERATOR), request) != []
