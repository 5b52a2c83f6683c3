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

"""Remote access through a real relay: a real bridge dials its embedded Zenoh router."""

import asyncio
import json
import re
import struct
import time

from bridge_harness import Client, service_named, TIMEOUT, wait_for

import pytest

from relay_harness import RunningRelay

pytest.importorskip('zenoh')


@pytest.fixture
def relay():
    running = RunningRelay()
    yield running
    running.stop()


def _robot(run_bridge, relay, name='r1', **parameters):
    bridge = run_bridge(relay_connect=[relay.endpoint], relay_name=name, **parameters)
    wait_for(lambda: name in relay.robots(), what=f'robot {name} online at the relay')
    return bridge


def test_a_viewer_through_the_relay_gets_the_robots_greeting_and_data(
        run_bridge, relay, helper_node):
    from std_msgs.msg import String

    publisher = helper_node.create_publisher(String, '/chatter', 10)
    _robot(run_bridge, relay, session_id='robot-session')

    async def scenario():
        client = await Client.connect(relay.url('r1'))
        assert client.server_info['sessionId'] == 'robot-session'
        channel = await client.channel_for('/chatter')
        await client.subscribe(7, channel['id'])
        deadline = time.monotonic() + TIMEOUT
        while True:
            publisher.publish(String(data='through the relay'))
            try:
                frame = await client.expect_binary(timeout=0.5)
            except asyncio.TimeoutError:
                assert time.monotonic() < deadline, 'no message through the relay'
                continue
            break
        assert frame[0] == 1
        assert struct.unpack_from('<I', frame, 1)[0] == 7
        assert b'through the relay' in frame[13:]
        await client.close()

    asyncio.run(scenario())


def _access_file(tmp_path, text):
    path = tmp_path / 'relay_access.yaml'
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


ACCESS = """tokens:
  - name: field-op
    token: op-secret
    role: operator
  - name: r2-only
    token: r2-secret
    role: viewer
    robots: ['r2']
"""


async def _http_status(port, path):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(f'GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
                 'Sec-WebSocket-Protocol: foxglove.websocket.v1\r\n\r\n'.encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), TIMEOUT)
    length = re.search(rb'(?i)content-length: *(\d+)', answer)
    if length is not None:  # websockets 10.4 writes the body apart from the headers
        answer += await asyncio.wait_for(reader.readexactly(int(length.group(1))), TIMEOUT)
    writer.close()
    status_line, _, rest = answer.decode().partition('\r\n')
    return int(status_line.split()[1]), rest.split('\r\n\r\n', 1)[-1]


def test_a_robot_not_online_or_not_the_tokens_gets_404_before_the_upgrade(
        run_bridge, tmp_path):
    relay = RunningRelay('--access-file', _access_file(tmp_path, ACCESS))
    try:
        _robot(run_bridge, relay, 'r1')

        async def scenario():
            assert await _http_status(relay.port, '/nobody?token=op-secret') == (
                404, 'Robot nobody is not connected to this relay\n')
            assert await _http_status(relay.port, '/r1?token=r2-secret') == (
                404, 'Robot r1 is not connected to this relay\n')
            status, _ = await _http_status(relay.port, '/r1')
            assert status == 401
            client = await Client.connect(relay.url('r1', 'op-secret'))
            await client.close()

        asyncio.run(scenario())
    finally:
        relay.stop()


def test_ten_viewers_cost_the_uplink_one_subscription(run_bridge, relay, helper_node):
    from std_msgs.msg import String

    publisher = helper_node.create_publisher(String, '/state', 10)
    bridge = _robot(run_bridge, relay)

    async def scenario():
        clients = [await Client.connect(relay.url('r1')) for _ in range(10)]
        channel = await clients[0].channel_for('/state')
        for number, client in enumerate(clients):
            await client.subscribe(100 + number, channel['id'])
        wait_for(lambda: bridge.call(bridge.bridge.hub.fanout.subscriber_count,
                                     channel['id']) == 1, what='one subscriber on the robot')
        deadline = time.monotonic() + TIMEOUT
        received = set()
        while len(received) < 10:
            assert time.monotonic() < deadline, f'only {sorted(received)} received'
            publisher.publish(String(data='fan out at the relay'))
            for number, client in enumerate(clients):
                if number in received:
                    continue
                try:
                    frame = await client.expect_binary(timeout=0.05)
                except asyncio.TimeoutError:
                    continue
                assert struct.unpack_from('<I', frame, 1)[0] == 100 + number
                received.add(number)
        # The robot's hub holds the ten viewers and one data session, and one subscription.
        assert bridge.call(bridge.bridge.hub.fanout.subscriber_count, channel['id']) == 1
        for client in clients:
            await client.unsubscribe(100 + clients.index(client))
        wait_for(lambda: bridge.call(bridge.bridge.hub.fanout.subscriber_count,
                                     channel['id']) == 0, what='the subscription released')
        for client in clients:
            await client.close()

    asyncio.run(scenario())


def _serve_set_bool(node):
    from std_srvs.srv import SetBool

    def handle(request, response):
        response.success = request.data
        response.message = 'done'
        return response
    return node.create_service(SetBool, '/arm/enable', handle)


@pytest.mark.parametrize('relay_role, answered', [('viewer', False), ('operator', True)])
def test_relay_role_caps_what_an_operator_token_may_do(run_bridge, helper_node, tmp_path,
                                                       relay_role, answered):
    _serve_set_bool(helper_node)
    relay = RunningRelay('--access-file', _access_file(tmp_path, ACCESS))
    try:
        bridge = _robot(run_bridge, relay, relay_role=relay_role)

        async def scenario():
            client = await Client.connect(relay.url('r1', 'op-secret'))
            assert ('services' in client.server_info['capabilities']) == answered
            grants = bridge.call(lambda: sorted(
                s.grant.who for s in bridge.bridge.hub.sessions.values()))
            assert 'token "field-op" via relay test-relay' in grants
            service = await service_named(client, '/arm/enable') if answered else {'id': 1}
            payload = b'\x00\x01\x00\x00\x01'
            await client.send(struct.pack('<BIII', 2, service['id'], 9, 3) + b'cdr' + payload)
            deadline = time.monotonic() + TIMEOUT
            while True:
                frame = await client.recv(max(0.01, deadline - time.monotonic()))
                if isinstance(frame, bytes) and frame[0] == 3:
                    assert answered
                    assert struct.unpack_from('<I', frame, 5)[0] == 9
                    break
                if isinstance(frame, dict) and frame['op'] in ('status', 'serviceCallFailure'):
                    assert not answered, frame
                    assert 'viewer' in frame['message'], frame
                    break
            await client.close()

        asyncio.run(scenario())
    finally:
        relay.stop()


def test_a_robot_that_goes_closes_its_viewers_with_1001_and_then_404s(run_bridge, relay):
    bridge = _robot(run_bridge, relay)

    async def scenario():
        client = await Client.connect(relay.url('r1'))
        started = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, bridge.stop)
        with pytest.raises(Exception):
            while True:
                await client.recv(timeout=TIMEOUT)
        assert time.monotonic() - started < 3 + 2  # the bridge's own stop takes its part
        assert client.ws.close_code == 1001
        assert 'r1' in client.ws.close_reason
        status, body = await _http_status(relay.port, '/r1')
        assert status == 404

    asyncio.run(scenario())


def test_a_restarted_relay_has_the_robot_back_by_itself_within_5_s(run_bridge, relay):
    _robot(run_bridge, relay)
    port = relay.zenoh_port
    relay.stop()
    second = RunningRelay(zenoh_port=port)
    try:
        started = time.monotonic()
        wait_for(lambda: 'r1' in second.robots(), timeout=10, what='the robot back')
        assert time.monotonic() - started < 5

        async def scenario():
            client = await Client.connect(second.url('r1'))
            assert client.server_info['name']
            await client.close()

        asyncio.run(scenario())
    finally:
        second.stop()


def test_a_latched_topic_reaches_a_viewer_who_comes_later(run_bridge, relay, helper_node):
    from rclpy.qos import DurabilityPolicy, QoSProfile
    from std_msgs.msg import String

    latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    publisher = helper_node.create_publisher(String, '/robot_description', latched)
    publisher.publish(String(data='<robot name="r1"/>'))
    _robot(run_bridge, relay)

    async def scenario():
        first = await Client.connect(relay.url('r1'))
        channel = await first.channel_for('/robot_description')
        await first.subscribe(1, channel['id'])
        frame = await first.expect_binary()
        assert b'<robot name="r1"/>' in frame
        later = await Client.connect(relay.url('r1'))
        await later.channel_for('/robot_description')
        await later.subscribe(5, channel['id'])
        frame = await later.expect_binary()
        assert struct.unpack_from('<I', frame, 1)[0] == 5
        assert b'<robot name="r1"/>' in frame
        await first.close()
        await later.close()

    asyncio.run(scenario())


def test_status_lists_the_robots_online(run_bridge, relay):
    _robot(run_bridge, relay)
    wait_for(lambda: relay.relay.robots['r1'].channels, what="the robot's channel table")

    async def scenario():
        reader, writer = await asyncio.open_connection('127.0.0.1', relay.port)
        writer.write(b'GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        answer = (await asyncio.wait_for(reader.read(), TIMEOUT)).decode()
        writer.close()
        body = json.loads(answer.split('\r\n\r\n', 1)[1])
        assert body['robots'] == [{'name': 'r1', 'viewers': 0, 'channels': body['robots'][0][
            'channels'], 'url': 'ws://RELAY/r1'}]
        assert body['robots'][0]['channels'] >= 1

    asyncio.run(scenario())


def _zenoh_file(tmp_path, name, usrpwd):
    path = tmp_path / name
    path.write_text(json.dumps({'transport': {'auth': {'usrpwd': usrpwd}}}))
    path.chmod(0o600)
    return str(path)


def test_wrong_zenoh_credentials_do_not_connect_and_right_ones_do(run_bridge, tmp_path):
    dictionary = tmp_path / 'robots.txt'
    dictionary.write_text('r1:right-password\n')
    relay = RunningRelay('--zenoh-config', _zenoh_file(tmp_path, 'relay.json5', {
        'user': 'relay', 'password': 'relay-password', 'dictionary_file': str(dictionary)}))
    try:
        run_bridge(relay_connect=[relay.endpoint], relay_name='r1', relay_zenoh_config=(
            _zenoh_file(tmp_path, 'wrong.json5', {'user': 'r1', 'password': 'wrong'})))
        with pytest.raises(AssertionError):
            wait_for(lambda: relay.robots(), timeout=3, what='a robot')
        _robot(run_bridge, relay, 'r1', relay_zenoh_config=_zenoh_file(
            tmp_path, 'right.json5', {'user': 'r1', 'password': 'right-password'}))
    finally:
        relay.stop()
