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

"""Hardening of a running bridge: origins, limits, dead clients (fuzzing: test_session_fuzz)."""

import asyncio
import json
import re

from bridge_harness import Client, TIMEOUT, wait_for
import pytest


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


def test_allowed_origins(run_bridge):
    pytest.importorskip('rclpy')
    import websockets
    import websockets.exceptions
    rejected = tuple(getattr(websockets.exceptions, n) for n in (
        'InvalidStatus', 'InvalidStatusCode') if hasattr(websockets.exceptions, n))
    bridge = run_bridge(allowed_origins=['https?://localhost(:[0-9]+)?'])

    async def scenario():
        ok = await websockets.connect(bridge.url, subprotocols=['foxglove.sdk.v1'],
                                      origin='http://localhost:8080')
        await ok.close()
        plain = await websockets.connect(bridge.url, subprotocols=['foxglove.sdk.v1'])
        await plain.close()
        with pytest.raises(rejected) as error:
            await websockets.connect(bridge.url, subprotocols=['foxglove.sdk.v1'],
                                     origin='https://evil.example')
        response = getattr(error.value, 'response', None)
        assert (response.status_code if response is not None
                else error.value.status_code) == 403

    run(scenario())


def test_limits_are_errors_not_crashes(run_bridge, helper_node):
    pytest.importorskip('rclpy')
    from std_msgs.msg import String
    import websockets
    helper_node.create_publisher(String, '/one', 10)
    helper_node.create_publisher(String, '/two', 10)
    bridge = run_bridge(max_clients=2, max_subscriptions_per_client=1,
                        max_channels_per_client=1, max_message_size=4096)

    async def scenario():
        first = await Client.connect(bridge.url)
        second = await Client.connect(bridge.url)
        third = await websockets.connect(bridge.url, subprotocols=['foxglove.sdk.v1'])
        status = json.loads(await third.recv())
        assert status['op'] == 'status' and status['level'] == 2
        assert 'Too many clients' in status['message']
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(third.recv(), TIMEOUT)
        one = await first.channel_for('/one')
        two = await first.channel_for('/two')
        await first.subscribe(1, one['id'])
        await first.subscribe(2, two['id'])
        status = await first.expect_op('status')
        assert status['message'].startswith('Too many subscriptions: at most 1')
        for channel_id in (1, 2):
            await first.send({'op': 'advertise', 'channels': [{
                'id': channel_id, 'topic': f'/app{channel_id}', 'encoding': 'cdr',
                'schemaName': 'std_msgs/msg/String'}]})
        status = await first.expect_op('status')
        assert status['message'].startswith('Too many client channels: at most 1')
        # An oversized message is refused with a status; one over twice the limit closes only
        # that client's connection (1009, message too big).
        await second.send(b'\x01' + bytes(6000))
        status = await second.expect_op('status')
        assert status['message'] == ('Message of 6001 bytes refused: max_message_size is '
                                     '4096')
        await second.send(b'\x01' + bytes(9000))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await second.recv(TIMEOUT)
        code = getattr(closed.value, 'code', None) or closed.value.rcvd.code
        assert code == 1009
        await first.send({'op': 'unsubscribe', 'subscriptionIds': [77]})
        assert 'Subscription ID 77' in (await first.expect_op('status'))['message']
        await first.close()

    run(scenario())


def test_vanished_client_is_cleaned_up_by_ping_timeout(run_bridge, helper_node):
    pytest.importorskip('rclpy')
    bridge = run_bridge(ping_interval_ms=300, ping_timeout_ms=300)

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send({'op': 'advertise', 'channels': [{
            'id': 1, 'topic': '/from_vanished', 'encoding': 'cdr',
            'schemaName': 'std_msgs/msg/String'}]})
        wait_for(lambda: helper_node.count_publishers('/from_vanished') == 1,
                 what='the publisher')
        # The client goes silent without a close frame: it reads nothing, answers no ping.
        client.ws.transport.pause_reading()
        wait_for(lambda: not bridge.call(lambda: bridge.bridge.hub.sessions),
                 timeout=5.0, what='the bridge to drop the silent client')
        wait_for(lambda: helper_node.count_publishers('/from_vanished') == 0,
                 what='its publisher to go')
        client.ws.transport.abort()

    run(scenario())


def test_every_client_the_bridge_ends_gets_a_log_line_with_its_address_and_why(
        run_bridge, helper_node, caplog):
    pytest.importorskip('rclpy')
    import logging
    from std_msgs.msg import String
    import websockets
    caplog.set_level(logging.INFO, logger='foxglove_bridge_py.server.server')
    publisher = helper_node.create_publisher(String, '/live', 10)
    timer = helper_node.create_timer(0.01, lambda: publisher.publish(String(data='x' * 1000)))
    bridge = run_bridge(ping_interval_ms=300, ping_timeout_ms=300,
                        max_json_message_size=8 * 1024 * 1024)
    strict = run_bridge(max_message_size=4096)

    def lines_about(address):
        return [r.getMessage() for r in caplog.records if address in r.getMessage()]

    async def scenario():
        # One that subscribes many times over to a live channel, then stops reading.
        attacker = await Client.connect(bridge.url)
        address = '%s:%d' % attacker.ws.local_address[:2]
        channel = await attacker.channel_for('/live')
        await attacker.send({'op': 'subscribe', 'subscriptions': [
            {'id': i, 'channelId': channel['id']} for i in range(100_000)]})
        await attacker.expect_binary()
        attacker.ws.transport.pause_reading()
        wait_for(lambda: any('disconnected' in line for line in lines_about(address)),
                 what='the stalled client to be dropped with a line')
        attacker.ws.transport.abort()
        ended = lines_about(address)[-1]
        assert ended.startswith(f'client {address} disconnected (closed by the bridge: '), ended
        # One whose message is over twice max_message_size: the library closes it (1009).
        big = await Client.connect(strict.url)
        address = '%s:%d' % big.ws.local_address[:2]
        await big.send(b'\x01' + bytes(9000))
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await big.recv(TIMEOUT)
        wait_for(lambda: lines_about(address)[-1:] != [] and 'disconnected' in (
            lines_about(address)[-1]), what='its line')
        assert re.fullmatch(rf'client {address} disconnected \(closed by the bridge: 1009.*\)',
                            lines_about(address)[-1])
        # One that leaves on its own is an INFO line that says so.
        polite = await Client.connect(bridge.url)
        address = '%s:%d' % polite.ws.local_address[:2]
        await polite.close()
        wait_for(lambda: lines_about(address)[-1:] == [
            f'client {address} disconnected (closed by the client: 1000)'], what='its line')

    run(scenario())
    helper_node.destroy_timer(timer)


def test_a_json_request_over_max_json_message_size_is_refused_before_parsing(run_bridge):
    pytest.importorskip('rclpy')
    bridge = run_bridge(max_json_message_size=1024 * 1024)

    async def scenario():
        client = await Client.connect(bridge.url)
        request = json.dumps({'op': 'subscribe', 'subscriptions': [
            {'id': i, 'channelId': 1_000_000 + i} for i in range(90_000)]})
        assert len(request) > 3_000_000
        for _ in range(6):
            await client.send(request)
        statuses = [await client.expect_op('status') for _ in range(6)]
        assert {s['message'] for s in statuses} == {
            f'JSON message of {len(request)} bytes refused before parsing: '
            'max_json_message_size is 1048576'}
        # Just under the limit is parsed as ever (one status for the unknown ids).
        small = json.dumps({'op': 'subscribe', 'subscriptions': [
            {'id': i, 'channelId': 1_000_000 + i} for i in range(3)]})
        await client.send(small)
        status = await client.expect_op('status')
        assert status['message'].startswith('Unknown channel IDs: 1000000, 1000001, 1000002')
        await client.close()

    run(scenario())
