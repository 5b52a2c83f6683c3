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

"""Access tokens with roles against a real bridge and real clients: who may see and do what."""

import asyncio
import hashlib
import json
import os
import time

from bridge_harness import (call_frame, Client, expect_service_answer, service_named, TIMEOUT,
                            TIMEOUT_FACTOR, wait_for)
from foxglove_bridge_py.config import ConfigError
from http_harness import http_get, UPGRADE_HEADERS
import pytest

pytest.importorskip('rclpy')

from rcl_interfaces.msg import ParameterDescriptor  # noqa: E402
from std_msgs.msg import String  # noqa: E402
from std_srvs.srv import SetBool  # noqa: E402
import websockets  # noqa: E402

OPERATOR_TOKEN = 'op-7cWq2m-field'
VIEWER_TOKEN = 'view-Zr81-lobby'


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


ENTRIES = {
    'operator': (f'  - name: field-laptop\n    sha256: {digest(OPERATOR_TOKEN)}\n'
                 '    role: operator\n'),
    'viewer': (f'  - name: lobby-dashboard\n    sha256: {digest(VIEWER_TOKEN)}\n'
               "    role: viewer\n    topic_whitelist: ['/camera/.*']\n"),
    'downgraded': (f'  - name: field-laptop\n    sha256: {digest(OPERATOR_TOKEN)}\n'
                   '    role: viewer\n'),
}
SUBPROTOCOL = 'foxglove.sdk.v1'


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


def write_access(path, *entries, anonymous='none'):
    text = f'anonymous: {anonymous}\ntokens:\n' + ''.join(ENTRIES[e] for e in entries)
    path.write_text(text)
    os.chmod(path, 0o600)
    return str(path)


@pytest.fixture
def access_file(tmp_path):
    return write_access(tmp_path / 'access.yaml', 'operator', 'viewer')


async def connect(bridge, token=None, header=False, subprotocol=SUBPROTOCOL):
    if token is None:
        return await Client.connect(bridge.url, subprotocol)
    if header:
        key = 'additional_headers' if int(websockets.version.version.split('.')[0]) >= 14 else (
            'extra_headers')
        return await Client.connect(bridge.url, subprotocol,
                                    **{key: {'Authorization': f'Bearer {token}'}})
    return await Client.connect(f'{bridge.url}/?token={token}', subprotocol)


def test_each_role_is_told_of_its_capabilities_and_channels(run_bridge, helper_node,
                                                            access_file):
    for topic in ('/camera/image', '/odom'):
        helper_node.create_publisher(String, topic, 10)
    bridge = run_bridge(access_file=access_file)

    async def scenario():
        operator = await connect(bridge, OPERATOR_TOKEN)
        viewer = await connect(bridge, VIEWER_TOKEN, header=True,
                               subprotocol='foxglove.websocket.v1')
        assert operator.server_info['capabilities'] == [
            'clientPublish', 'parameters', 'parametersSubscribe', 'services', 'connectionGraph',
            'assets']
        assert viewer.server_info['capabilities'] == [
            'parameters', 'parametersSubscribe', 'connectionGraph', 'assets']
        assert 'supportedEncodings' in operator.server_info
        await operator.channel_for('/odom')
        await operator.channel_for('/camera/image')
        await viewer.channel_for('/camera/image')
        await viewer.quiet(0.5)
        assert {c['topic'] for c in viewer.channels.values()} == {'/camera/image'}
        hidden = next(i for i, c in operator.channels.items() if c['topic'] == '/odom')
        await viewer.subscribe(1, hidden)
        status = await viewer.expect_op('status')
        assert status['message'] == f'Unknown channel ID: {hidden}; ignoring subscription'
        await operator.close()
        await viewer.close()

    run(scenario())


def test_a_viewer_is_refused_and_nothing_reaches_ros(run_bridge, helper_node, access_file):
    calls = []

    def handle(request, response):
        calls.append(request.data)
        response.success = True
        return response

    helper_node.create_service(SetBool, '/arm/enable', handle)
    helper_node.declare_parameter('speed', 1, ParameterDescriptor(dynamic_typing=True))
    bridge = run_bridge(access_file=access_file)

    def publishers():
        return bridge.node.count_publishers('/cmd')

    async def act(client, service_id, call_id):
        await client.send({'op': 'advertise', 'channels': [{
            'id': 1, 'topic': '/cmd', 'encoding': 'cdr', 'schemaName': 'std_msgs/msg/String'}]})
        await client.send(call_frame(service_id, call_id, 'cdr', b'\x00\x01\x00\x00\x01'))
        await client.send({'op': 'setParameters', 'parameters': [
            {'name': '/test_helper.speed', 'value': 5}]})

    async def scenario():
        operator = await connect(bridge, OPERATOR_TOKEN)
        service = await service_named(operator, '/arm/enable')
        viewer = await connect(bridge, VIEWER_TOKEN)
        await act(viewer, service['id'], 7)
        statuses, failures = [], []
        while len(statuses) < 2 or not failures:
            reply = await viewer.recv()
            if reply['op'] == 'status' and 'refused' in reply['message']:
                statuses.append(reply['message'])
            elif reply['op'] == 'serviceCallFailure':
                failures.append(reply)
        failure, = failures
        assert statuses == ['advertise refused: token "lobby-dashboard" is a viewer',
                            'setParameters refused: token "lobby-dashboard" is a viewer']
        assert failure == {'op': 'serviceCallFailure', 'serviceId': service['id'], 'callId': 7,
                           'message': 'serviceCallRequest refused: token "lobby-dashboard" is '
                                      'a viewer'}
        assert viewer.services == {}
        # The same acts from the operator go through: the refusals above were the only thing
        # in the way, and each reaches ROS exactly once.
        await act(operator, service['id'], 8)
        answer = await expect_service_answer(operator)
        assert isinstance(answer, bytes)
        wait_for(lambda: publishers() == 1, what="the operator's publisher")
        wait_for(lambda: helper_node.get_parameter('speed').value == 5,
                 what="the operator's parameter set")
        assert calls == [True]
        await operator.close()
        await viewer.close()

    assert publishers() == 0
    run(scenario())


def test_missing_and_wrong_tokens_get_the_same_401_and_10_failures_get_429(
        run_bridge, helper_node, access_file):
    publisher = helper_node.create_publisher(String, '/camera/state', 10)
    timer = helper_node.create_timer(0.02, lambda: publisher.publish(String(data='tick')))
    bridge = run_bridge(access_file=access_file)
    port = bridge.port
    missing = http_get(port, '/', UPGRADE_HEADERS, source='127.0.0.2')
    wrong = http_get(port, '/?token=not-it', UPGRADE_HEADERS, source='127.0.0.2')
    assert missing[0] == wrong[0] == 401
    assert missing[2] == wrong[2] == (
        b'Unauthorized: this bridge needs a valid access token, given in the URL as '
        b'ws://<robot>:<port>/?token=<token> or as the header "Authorization: Bearer <token>"\n')
    assert missing[1]['WWW-Authenticate'] == 'Bearer realm="foxglove_bridge"'

    async def scenario():
        streaming = await connect(bridge, VIEWER_TOKEN)
        channel = await streaming.channel_for('/camera/state')
        await streaming.subscribe(1, channel['id'])
        await streaming.expect_binary()
        gaps = []
        last = time.monotonic()

        async def keep_reading(until):
            nonlocal last
            while time.monotonic() < until:
                await streaming.expect_binary()
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        loop = asyncio.get_running_loop()
        reading = asyncio.ensure_future(keep_reading(time.monotonic() + 3.0))
        answers = []
        for attempt in range(9):
            answers.append(await loop.run_in_executor(
                None, http_get, port, f'/?token=guess{attempt}', UPGRADE_HEADERS, '127.0.0.2'))
        answers.append(await loop.run_in_executor(
            None, http_get, port, f'/?token={OPERATOR_TOKEN}', UPGRADE_HEADERS, '127.0.0.2'))
        assert [a[0] for a in answers] == [401] * 8 + [429, 429]
        assert answers[-1][1]['Retry-After'] in ('59', '60')
        assert answers[-1][2].startswith(b'Too many failed attempts from this address: try '
                                         b'again in ')
        # Another address is let in as before, and the stream went on throughout.
        other = await connect(bridge, OPERATOR_TOKEN)
        await other.close()
        await reading
        assert len(gaps) > 20 and max(gaps) < 1.0 * TIMEOUT_FACTOR, gaps
        await streaming.close()

    run(scenario())
    helper_node.destroy_timer(timer)


def test_status_needs_a_token_and_shows_names_and_roles_never_tokens(run_bridge, access_file):
    bridge = run_bridge(access_file=access_file)

    async def scenario():
        operator = await connect(bridge, OPERATOR_TOKEN)
        viewer = await connect(bridge, VIEWER_TOKEN, header=True)
        loop = asyncio.get_running_loop()
        assert (await loop.run_in_executor(None, http_get, bridge.port, '/status'))[0] == 401
        status, _, body = await loop.run_in_executor(
            None, http_get, bridge.port, f'/status?token={VIEWER_TOKEN}')
        assert status == 200
        status, _, with_header = await loop.run_in_executor(
            None, http_get, bridge.port, '/status', {'Authorization': f'Bearer {OPERATOR_TOKEN}'})
        assert status == 200
        for text in (body, with_header):
            assert OPERATOR_TOKEN.encode() not in text and VIEWER_TOKEN.encode() not in text
        clients = json.loads(body)['clients']
        assert sorted((c['token'], c['role']) for c in clients) == [
            ('field-laptop', 'operator'), ('lobby-dashboard', 'viewer')]
        healthz = await loop.run_in_executor(None, http_get, bridge.port, '/healthz')
        assert healthz[0] == 200
        await operator.close()
        await viewer.close()

    run(scenario())


def test_a_removed_or_downgraded_token_is_closed_with_1008_within_2_s(run_bridge, tmp_path):
    path = tmp_path / 'access.yaml'
    write_access(path, 'operator', 'viewer', anonymous='viewer')
    bridge = run_bridge(access_file=str(path))

    async def closed_within(client, seconds):
        started = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await client.recv(timeout=seconds)
        return client.ws.close_code, time.monotonic() - started

    async def scenario():
        operator = await connect(bridge, OPERATOR_TOKEN)
        viewer = await connect(bridge, VIEWER_TOKEN)
        anonymous = await connect(bridge)
        assert anonymous.server_info['capabilities'] == viewer.server_info['capabilities']
        await operator.quiet(0.2)
        write_access(path, 'downgraded', 'viewer', anonymous='viewer')
        code, elapsed = await closed_within(operator, 3.0)
        assert code == 1008 and elapsed < 2.0, (code, elapsed)
        # The downgraded token connects again, as a viewer now.
        again = await connect(bridge, OPERATOR_TOKEN)
        assert 'clientPublish' not in again.server_info['capabilities']
        write_access(path, 'downgraded', anonymous='viewer')
        code, elapsed = await closed_within(viewer, 3.0)
        assert code == 1008 and elapsed < 2.0, (code, elapsed)
        # A file that does not parse keeps the tokens read before.
        path.write_text('tokens: [\n')
        await again.quiet(2.5)
        assert again.ws.close_code is None and anonymous.ws.close_code is None
        retry = await connect(bridge, OPERATOR_TOKEN)
        await retry.close()
        write_access(path, 'downgraded')
        code, elapsed = await closed_within(anonymous, 3.0)
        assert code == 1008
        await again.close()

    run(scenario())


@pytest.mark.parametrize('text, message', [
    (None, "parameter access_file: access file '{path}': cannot read it: No such file or "
     'directory'),
    ('anonymous: everyone\n', "parameter access_file: access file '{path}': line 1: role "
     '"everyone" is not one of none, viewer, operator'),
])
def test_a_bad_access_file_stops_the_bridge_at_start_up(run_bridge, tmp_path, text, message):
    path = tmp_path / 'access.yaml'
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        run_bridge(access_file=str(path))
    assert str(refused.value) == message.format(path=path)


def test_without_an_access_file_every_client_is_an_operator(run_bridge):
    bridge = run_bridge()

    async def scenario():
        client = await connect(bridge)
        assert 'clientPublish' in client.server_info['capabilities']
        status, _, body = http_get(bridge.port, '/status')
        assert status == 200
        assert json.loads(body)['clients'][0][('role')] == 'operator'
        await client.close()

    run(scenario())
