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

"""A real bridge, real rclpy publishers and a real WebSocket client."""

import asyncio
import json
import os
import struct
import time

from bridge_harness import Client, HELLO_WORLD_CDR, publish_until_received, TIMEOUT, wait_for
from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.protocol import Channel
import pytest

pytest.importorskip('rclpy')

from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_msgs.msg import String  # noqa: E402
import websockets  # noqa: E402
import websockets.exceptions  # noqa: E402

# websockets >= 14 raises InvalidStatus for a refused handshake, older ones InvalidStatusCode.
REJECTED = tuple(getattr(websockets.exceptions, name) for name in (
    'InvalidStatus', 'InvalidStatusCode') if hasattr(websockets.exceptions, name))
LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


def test_server_info_and_subprotocols(run_bridge):
    bridge = run_bridge()

    async def scenario():
        for subprotocol in ('foxglove.websocket.v1', 'foxglove.sdk.v1'):
            client = await Client.connect(bridge.url, subprotocol)
            assert client.ws.subprotocol == subprotocol
            # The client offers permessage-deflate; use_compression is off, so none is agreed.
            response = getattr(client.ws, 'response', None)
            headers = response.headers if response is not None else client.ws.response_headers
            assert 'Sec-WebSocket-Extensions' not in headers
            info = client.server_info
            assert info['name'].startswith('foxglove_bridge_py')
            # Every default capability of the C++ bridge is implemented, in its order.
            assert info['capabilities'] == ['clientPublish', 'parameters', 'parametersSubscribe',
                                            'services', 'connectionGraph', 'assets']
            assert info['supportedEncodings'] == ['cdr', 'json']
            from foxglove_bridge_py import __version__
            assert info['metadata'] == {'ROS_DISTRO': os.environ.get('ROS_DISTRO', ''),
                                        'fg-library': f'foxglove_bridge_py/{__version__}'}
            assert info['sessionId'].isdigit()
            await client.expect_op('advertise')
            await client.close()
        for offered in ([], ['unknown.protocol']):
            with pytest.raises(REJECTED) as error:
                await websockets.connect(bridge.url, subprotocols=offered or None)
            status = getattr(error.value, 'response', None)
            status = status.status_code if status is not None else error.value.status_code
            assert status == 400

    run(scenario())


def test_node_declares_every_parameter_and_reports_bound_port(run_bridge):
    from foxglove_bridge_py.config import PARAMETER_DEFAULTS
    bridge = run_bridge()
    # rclpy itself declares use_sim_time and, from Jazzy on, start_type_description_service.
    declared = set(bridge.node._parameters) - {'use_sim_time', 'start_type_description_service'}
    assert declared == set(PARAMETER_DEFAULTS) | {'actual_port'}
    assert bridge.node.get_parameter('actual_port').value == bridge.port != 0
    assert bridge.node.get_parameter('port').value == 0


def test_session_id_is_stable_across_connections(run_bridge):
    bridge = run_bridge()

    async def scenario():
        first = await Client.connect(bridge.url)
        second = await Client.connect(bridge.url)
        assert first.server_info['sessionId'] == second.server_info['sessionId']
        await first.close()
        await second.close()

    run(scenario())


def test_advertise_new_topic_and_unadvertise_removed(run_bridge, helper_node):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        publisher = helper_node.create_publisher(String, '/appears', 10)
        channel = await client.channel_for('/appears')
        assert channel['encoding'] == 'cdr'
        assert channel['schemaName'] == 'std_msgs/msg/String'
        assert channel['schemaEncoding'] == 'ros2msg'
        assert 'string data' in channel['schema']
        helper_node.destroy_publisher(publisher)
        message = await client.expect_op('unadvertise')
        assert message['channelIds'] == [channel['id']]
        await client.close()

    run(scenario())


def test_subscribe_receives_exact_cdr_bytes(run_bridge, helper_node):
    bridge = run_bridge()
    publisher = helper_node.create_publisher(String, '/chatter', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for('/chatter')
        await client.subscribe(7, channel['id'])
        before = time.time_ns()
        frame = await publish_until_received(client, publisher, String(data='hello world'), 7)
        opcode, sub_id, log_time = struct.unpack_from('<BIQ', frame)
        assert (opcode, sub_id) == (1, 7)
        assert frame[13:] == HELLO_WORLD_CDR
        assert before - 10**9 < log_time <= time.time_ns()
        await client.close()

    run(scenario())


def bridge_subscriptions(node, topic):
    return len([i for i in node.get_subscriptions_info_by_topic(topic)
                if i.node_name == 'foxglove_bridge'])


def test_three_clients_subscribed_at_once(run_bridge, helper_node):
    bridge = run_bridge()
    publisher = helper_node.create_publisher(String, '/shared', 10)

    async def scenario():
        clients = [await Client.connect(bridge.url) for _ in range(3)]
        for index, client in enumerate(clients):
            channel = await client.channel_for('/shared')
            await client.subscribe(index, channel['id'])
        wait_for(lambda: bridge_subscriptions(helper_node, '/shared') == 1,
                 what='one shared subscription')
        wait_for(lambda: publisher.get_subscription_count() > 0, what='matching')
        deadline = time.monotonic() + TIMEOUT
        received = [None] * 3
        while None in received and time.monotonic() < deadline:
            publisher.publish(String(data='hello world'))
            for index, client in enumerate(clients):
                try:
                    frame = await client.expect_binary(timeout=0.1)
                    received[index] = frame
                except asyncio.TimeoutError:
                    pass
        for index, frame in enumerate(received):
            assert frame is not None
            assert frame[:5] == struct.pack('<BI', 1, index)
            assert frame[13:] == HELLO_WORLD_CDR
        for client in clients:
            await client.close()

    run(scenario())


def test_latched_message_reaches_three_clients_in_turn(run_bridge, helper_node):
    publisher = helper_node.create_publisher(String, '/pub_topic', LATCHED)
    publisher.publish(String(data='hello world'))
    bridge = run_bridge()

    async def scenario():
        first = None
        for _ in range(3):
            client = await Client.connect(bridge.url)
            channel = await client.channel_for('/pub_topic')
            await client.subscribe(1, channel['id'])
            frame = await client.expect_binary()
            assert frame[:5] == struct.pack('<BI', 1, 1)
            assert frame[13:] == HELLO_WORLD_CDR
            await client.unsubscribe(1)
            if first is None:
                # Keep one subscriber, so the later clients are late joiners of a live channel.
                first = client
            else:
                await client.close()
        await first.close()

    run(scenario())


def test_late_joiners_get_latched_messages_of_every_publisher(run_bridge, helper_node):
    publishers = [helper_node.create_publisher(String, '/latched', LATCHED) for _ in range(15)]
    for index, publisher in enumerate(publishers):
        publisher.publish(String(data=f'message {index}'))
    bridge = run_bridge()

    async def scenario():
        clients = []
        for subscription_id in range(2):
            client = await Client.connect(bridge.url)
            channel = await client.channel_for('/latched')
            await client.subscribe(subscription_id, channel['id'])
            frames = [await client.expect_binary() for _ in range(15)]
            payloads = sorted(f[13:] for f in frames)
            assert len(set(payloads)) == 15
            assert not [f for f in await client.quiet(0.5) if isinstance(f, bytes)]
            clients.append(client)
        for client in clients:
            await client.close()

    run(scenario())


def test_unsubscribe_stops_data(run_bridge, helper_node):
    bridge = run_bridge()
    publisher = helper_node.create_publisher(String, '/stop_me', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for('/stop_me')
        await client.subscribe(3, channel['id'])
        await publish_until_received(client, publisher, String(data='x'), 3)
        await client.unsubscribe(3)
        wait_for(lambda: bridge_subscriptions(helper_node, '/stop_me') == 0,
                 what='subscription released')
        await client.quiet(0.3)
        publisher.publish(String(data='after'))
        assert not [f for f in await client.quiet(0.5) if isinstance(f, bytes)]
        await client.close()

    run(scenario())


def test_whitelist_and_hidden_topics(run_bridge, helper_node):
    bridge = run_bridge(topic_whitelist=['/allowed.*', '/_hidden_allowed'])
    for topic in ('/allowed_topic', '/denied_topic', '/_hidden_allowed', '/allowed/_hidden'):
        helper_node.create_publisher(String, topic, 10)
    marker = helper_node.create_publisher(String, '/allowed_marker', 10)
    assert marker

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.channel_for('/allowed_marker')
        await client.channel_for('/allowed_topic')
        await client.quiet(1.0)
        topics = {c['topic'] for c in client.channels.values()}
        # The sysinfo channel is the bridge's own, not a ROS topic: as in the C++ bridge,
        # topic_whitelist does not apply to it (sysinfo:=false does).
        assert topics == {'/allowed_marker', '/allowed_topic', '/foxglove_bridge/sysinfo'}
        await client.close()

    run(scenario())

    hidden_bridge = run_bridge(include_hidden=True, topic_whitelist=['/_hidden_allowed'])

    async def hidden_scenario():
        client = await Client.connect(hidden_bridge.url)
        await client.channel_for('/_hidden_allowed')
        await client.close()

    run(hidden_scenario())


def test_large_image_arrives_intact(run_bridge, helper_node):
    bridge = run_bridge()
    publisher = helper_node.create_publisher(Image, '/camera/big', 1)
    image = Image(height=1000, width=2000, encoding='rgb8', step=6000)
    image.data = bytes(range(256)) * (6_000_000 // 256) + bytes(6_000_000 % 256)

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for('/camera/big')
        await client.subscribe(0, channel['id'])
        wait_for(lambda: publisher.get_subscription_count() > 0, what='matching')
        publisher.publish(image)
        frame = await client.expect_binary()
        payload = frame[13:]
        assert len(payload) > 6_000_000
        assert payload.endswith(bytes(image.data))
        await client.close()

    run(scenario())


def test_stalled_client_does_not_delay_others(run_bridge, helper_node):
    bridge = run_bridge(send_buffer_limit=1_000_000)
    publisher = helper_node.create_publisher(Image, '/camera/stream', 10)
    image = Image(height=100, width=1000, encoding='rgb8', step=3000, data=bytes(300_000))

    async def scenario():
        # The stalled client never reads, so its socket and then its send queue fill up.
        stalled = await Client.connect(bridge.url)
        stalled_channel = await stalled.channel_for('/camera/stream')
        await stalled.subscribe(0, stalled_channel['id'])
        stalled.ws.transport.pause_reading()
        healthy = await Client.connect(bridge.url)
        channel = await healthy.channel_for('/camera/stream')
        await healthy.subscribe(0, channel['id'])
        count = bridge.bridge.hub.fanout.subscriber_count
        wait_for(lambda: bridge.call(count, channel['id']) == 2, what='both clients subscribed')
        wait_for(lambda: publisher.get_subscription_count() > 0, what='matching')
        latencies = []
        for _ in range(60):
            sent = time.monotonic()
            publisher.publish(image)
            await healthy.expect_binary(timeout=2.0)
            latencies.append(time.monotonic() - sent)
        sessions = bridge.call(lambda: list(bridge.bridge.hub.sessions.values()))
        stalled_session = min(sessions, key=lambda s: s.client_id)
        assert stalled_session.send_queue.dropped > 0
        assert stalled_session.send_queue.data_bytes <= 1_000_000
        # Each message reached the healthy client before the next was published.
        assert len(latencies) == 60
        healthy_session = max(sessions, key=lambda s: s.client_id)
        assert healthy_session.send_queue.dropped == 0
        await healthy.close()
        stalled.ws.transport.resume_reading()
        await stalled.close()

    run(scenario())


@pytest.mark.parametrize('frame, text', [
    ('{"op": "advertise", "channels": [{"id": 1, "topic": "/t", "encoding": "cdr", '
     '"schemaName": "no_such_pkg/msg/Nope"}]}', 'unknown message type'),
    ('{"op": "advertise", "channels": [{"id": 1, "topic": "/t", "encoding": "cdr", '
     '"schemaName": "not a type"}]}', 'not a ROS message type name'),
])
def test_client_channel_the_ros_side_refuses_gets_status_and_connection_stays(
        run_bridge, helper_node, frame, text):
    # The pure refusals are test_session's and test_capabilities_client_publish's; these are
    # found only when the ROS side tries to create the publisher.
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send(frame)
        status = await client.expect_op('status')
        assert status['level'] == 2
        assert text in status['message']
        # Still serving: a valid request on the same socket is answered.
        await client.send({'op': 'unsubscribe', 'subscriptionIds': [7]})
        status = await client.expect_op('status')
        assert 'Subscription ID 7' in status['message']
        await client.close()

    run(scenario())


def test_unknown_message_type_is_advertised_and_subscription_errors(run_bridge, helper_node):
    # A type that exists nowhere: the graph still lists it if some process publishes it.
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        bridge.call(bridge.bridge.hub.graph_changed, GraphChange(added_channels=[
            Channel(0, '/mystery', 'cdr', 'mystery_msgs/msg/Thing', '', None)]))
        channel = await client.channel_for('/mystery')
        assert channel['schema'] == ''
        warning = await client.expect_op('status')
        assert (warning['level'], warning['id']) == (
            1, 'foxglove_bridge_py.schema:/mystery:mystery_msgs/msg/Thing')
        await client.subscribe(0, channel['id'])
        status = await client.expect_op('status')
        assert status['level'] == 2
        assert 'mystery_msgs/msg/Thing is not installed' in status['message']
        # The problems go with the subscription, then with the topic.
        await client.unsubscribe(0)
        removed = await client.expect_op('removeStatus')
        assert removed['statusIds'] == [status['id']]
        gone = ('/mystery', 'mystery_msgs/msg/Thing')
        bridge.call(bridge.bridge.hub.graph_changed, GraphChange(removed_channels=[gone]))
        removed = await client.expect_op('removeStatus')
        assert removed['statusIds'] == [warning['id']]
        await client.close()

    run(scenario())


def test_json_is_never_nan(run_bridge):
    bridge = run_bridge()

    async def scenario():
        ws = await websockets.connect(bridge.url, subprotocols=['foxglove.sdk.v1'])
        text = await ws.recv()
        json.loads(text)
        assert 'NaN' not in text
        await ws.close()

    run(scenario())


def test_clock_cdr_is_read_without_deserializing():
    from foxglove_bridge_py.ros.topics import clock_nanoseconds
    assert clock_nanoseconds(bytes.fromhex('00010000') + struct.pack('<iI', 5, 7)) == 5_000_000_007
    assert clock_nanoseconds(bytes.fromhex('00000000') + struct.pack('>iI', 2, 1)) == 2_000_000_001
    assert clock_nanoseconds(b'\x00\x01') == 0


async def publish_clock_until_time_frame(client, clock_publisher, sec, nanosec):
    from rosgraph_msgs.msg import Clock
    message = Clock()
    message.clock.sec, message.clock.nanosec = sec, nanosec
    expected = struct.pack('<BQ', 2, sec * 10**9 + nanosec)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        clock_publisher.publish(message)
        frames = [f for f in await client.quiet(0.1) if isinstance(f, bytes)]
        if expected in frames:
            return
    raise AssertionError(f'no Time frame for {sec}.{nanosec}')


def test_sim_time_is_broadcast_and_stamps_messages(run_bridge, helper_node):
    from rosgraph_msgs.msg import Clock
    bridge = run_bridge(use_sim_time=True)
    clock_publisher = helper_node.create_publisher(Clock, '/clock', 10)
    chatter = helper_node.create_publisher(String, '/sim_chatter', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        assert client.server_info['capabilities'][-1] == 'time'
        await publish_clock_until_time_frame(client, clock_publisher, 5, 7)
        # MessageData log times come from the same (sim) clock as the Time messages.
        channel = await client.channel_for('/sim_chatter')
        await client.subscribe(1, channel['id'])
        frame = await publish_until_received(client, chatter, String(data='hello world'), 1)
        (log_time,) = struct.unpack_from('<Q', frame, 5)
        assert 5_000_000_007 <= log_time < 6 * 10**9
        await client.close()

    run(scenario())


def test_no_time_messages_without_sim_time(run_bridge, helper_node):
    from rosgraph_msgs.msg import Clock
    bridge = run_bridge()
    clock_publisher = helper_node.create_publisher(Clock, '/clock', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        assert 'time' not in client.server_info['capabilities']
        await client.channel_for('/clock')
        for _ in range(5):
            clock_publisher.publish(Clock())
        assert not [f for f in await client.quiet(0.5) if isinstance(f, bytes)]
        await client.close()

    run(scenario())


def advertise_message(channel_id, topic, schema_name='std_msgs/msg/String', encoding='cdr',
                      **extra):
    return {'op': 'advertise', 'channels': [dict(id=channel_id, topic=topic, encoding=encoding,
                                                 schemaName=schema_name, **extra)]}


def publisher_nodes(node, topic):
    return sorted(info.node_name for info in node.get_publishers_info_by_topic(topic))


@pytest.mark.parametrize('encoding', ['cdr', 'json'])
@pytest.mark.parametrize('existing_publisher', [False, True])
def test_client_publishes_into_ros(run_bridge, helper_node, existing_publisher, encoding):
    bridge = run_bridge()
    received = []
    helper_node.create_subscription(String, '/from_app', received.append, 10)
    if existing_publisher:
        helper_node.create_publisher(String, '/from_app', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        # The app may leave out the schema, and may name the type without /msg/.
        await client.send(advertise_message(1, '/from_app', 'std_msgs/String', encoding,
                                            schema=''))
        wait_for(lambda: 'foxglove_bridge' in publisher_nodes(helper_node, '/from_app'),
                 what='the bridge publisher')
        # The C++ bridge advertises a client's topic back, so the app can plot it.
        await client.channel_for('/from_app')
        deadline = time.monotonic() + TIMEOUT
        while not received and time.monotonic() < deadline:
            payload = HELLO_WORLD_CDR if encoding == 'cdr' else b'{"data": "hello world"}'
            await client.send(struct.pack('<BI', 1, 1) + payload)
            await asyncio.sleep(0.05)
        assert received and received[0].data == 'hello world'
        await client.send({'op': 'unadvertise', 'channelIds': [1]})
        wait_for(lambda: 'foxglove_bridge' not in publisher_nodes(helper_node, '/from_app'),
                 what='the publisher to go')
        # A client that leaves takes its publishers with it.
        await client.send(advertise_message(2, '/from_app'))
        wait_for(lambda: 'foxglove_bridge' in publisher_nodes(helper_node, '/from_app'),
                 what='the second publisher')
        await client.close()
        wait_for(lambda: 'foxglove_bridge' not in publisher_nodes(helper_node, '/from_app'),
                 what='the publisher to go on disconnect')

    run(scenario())


def test_client_advertise_refusals(run_bridge, helper_node):
    bridge = run_bridge(client_topic_whitelist=['/app/.*'])
    helper_node.create_publisher(String, '/app/taken', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send(advertise_message(1, '/elsewhere'))
        status = await client.expect_op('status')
        assert 'not in client_topic_whitelist' in status['message']
        await client.channel_for('/app/taken')
        await client.send(advertise_message(2, '/app/taken', 'std_msgs/msg/Int32'))
        status = await client.expect_op('status')
        assert status['level'] == 2
        assert '/app/taken' in status['message'] and 'std_msgs/msg/Int32' in status['message']
        assert 'already has type std_msgs/msg/String' in status['message']
        await client.send(advertise_message(3, '/app/ok'))
        await client.send(advertise_message(3, '/app/ok'))
        status = await client.expect_op('status')
        assert (status['level'], status['message']) == (
            1, 'Client channel 3 was already advertised; ignoring advertisement')
        assert publisher_nodes(helper_node, '/elsewhere') == []
        await client.close()

    run(scenario())


@pytest.mark.parametrize('payload, text', [
    (b'{"data": 5}', 'field data: expected a string'),
    (b'{"data": "x", "extra": 1}', 'field extra: no such field in std_msgs/String'),
    (b'not json', 'Cannot publish on client channel 1 (/json_in)'),
])
def test_bad_json_publish_gets_status_naming_the_field(run_bridge, payload, text):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send(advertise_message(1, '/json_in', 'std_msgs/msg/String', 'json'))
        await client.channel_for('/json_in')
        await client.send(struct.pack('<BI', 1, 1) + payload)
        status = await client.expect_op('status')
        assert status['level'] == 2
        assert text in status['message']
        # Still serving, and the channel still works.
        await client.send(struct.pack('<BI', 1, 1) + b'{"data": "ok"}')
        await client.send({'op': 'unsubscribe', 'subscriptionIds': [9]})
        status = await client.expect_op('status')
        assert 'Subscription ID 9' in status['message']
        await client.close()

    run(scenario())


def test_session_id_parameter(run_bridge):
    bridge = run_bridge(session_id='run-42')

    async def scenario():
        client = await Client.connect(bridge.url)
        assert client.server_info['sessionId'] == 'run-42'
        await client.close()

    run(scenario())


def call_trigger(node, service_name):
    from std_srvs.srv import Trigger
    client = node.create_client(Trigger, service_name)
    assert client.wait_for_service(timeout_sec=TIMEOUT)
    future = client.call_async(Trigger.Request())
    wait_for(future.done, what=f'{service_name} to answer')
    node.destroy_client(client)
    return future.result()


def test_clear_session_service_sends_new_server_info_on_open_socket(run_bridge, helper_node):
    bridge = run_bridge()
    publisher = helper_node.create_publisher(String, '/kept', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        first_id = client.server_info['sessionId']
        channel = await client.channel_for('/kept')
        await client.subscribe(4, channel['id'])
        await publish_until_received(client, publisher, String(data='before'), 4)
        response = await asyncio.get_running_loop().run_in_executor(
            None, call_trigger, helper_node, '/foxglove_bridge/clear_session')
        assert response.success
        info = await client.expect_op('serverInfo')
        assert info['sessionId'] != first_id
        assert info['sessionId'] in response.message
        # Same socket, same channels, same subscription.
        await client.quiet(0.2)
        frame = await publish_until_received(client, publisher, String(data='after'), 4)
        assert frame[13:].endswith(b'after\x00')
        await client.close()

    run(scenario())


@pytest.mark.parametrize('auto_clear', [True, False])
def test_clock_jumping_back_clears_the_session(run_bridge, helper_node, auto_clear):
    from rosgraph_msgs.msg import Clock
    bridge = run_bridge(use_sim_time=True, clear_session_on_clock_jump=auto_clear)
    clock_publisher = helper_node.create_publisher(Clock, '/clock', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        first_id = client.server_info['sessionId']
        await publish_clock_until_time_frame(client, clock_publisher, 100, 0)
        back = Clock()
        back.clock.sec = 1
        clock_publisher.publish(back)
        frames = await client.quiet(1.0)
        infos = [f for f in frames if isinstance(f, dict) and f['op'] == 'serverInfo']
        if auto_clear:
            assert len(infos) == 1 and infos[0]['sessionId'] != first_id
            # The new session comes before the time that started it.
            new_info = frames.index(infos[0])
            assert struct.pack('<BQ', 2, 10**9) in frames[new_info:]
        else:
            assert infos == []
        await client.close()

    run(scenario())


def test_diagnostics_become_statuses_until_ok(run_bridge, helper_node):
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
    bridge = run_bridge()
    publisher = helper_node.create_publisher(DiagnosticArray, '/diagnostics', 10)

    def array(level, message):
        return DiagnosticArray(status=[
            DiagnosticStatus(level=level, name='motor', message=message),
            DiagnosticStatus(level=DiagnosticStatus.OK, name='fine')])

    async def scenario():
        client = await Client.connect(bridge.url)
        wait_for(lambda: publisher.get_subscription_count() > 0, what='matching')
        publisher.publish(array(DiagnosticStatus.WARN, 'hot'))
        status = await client.expect_op('status')
        assert status == {'op': 'status', 'level': 1, 'message': 'motor: hot',
                          'id': 'diagnostics:motor'}
        publisher.publish(array(DiagnosticStatus.ERROR, 'burning'))
        status = await client.expect_op('status')
        assert (status['level'], status['message']) == (2, 'motor: burning')
        publisher.publish(array(DiagnosticStatus.OK, 'ok'))
        removed = await client.expect_op('removeStatus')
        assert removed['statusIds'] == ['diagnostics:motor']
        await client.close()

    run(scenario())


def test_client_publishing_loses_nothing_to_a_reliable_subscriber(run_bridge, helper_node):
    bridge = run_bridge()
    received = []
    # The subscriber keeps everything; what is lost can only be lost on the bridge's side.
    helper_node.create_subscription(String, '/burst', received.append, QoSProfile(
        depth=1000, reliability=ReliabilityPolicy.RELIABLE))

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send(advertise_message(1, '/burst', 'std_msgs/msg/String', 'json'))
        wait_for(lambda: helper_node.count_publishers('/burst') == 1, what='the publisher')
        wait_for(lambda: bridge.call(lambda: len(
            bridge.node.get_subscriptions_info_by_topic('/burst'))) == 1, what='matching')
        for index in range(500):
            await client.send(struct.pack('<BI', 1, 1) + f'{{"data": "{index}"}}'.encode())
        wait_for(lambda: len(received) == 500, what='all 500 messages')
        assert [m.data for m in received] == [str(i) for i in range(500)]
        await client.close()

    run(scenario())


def test_publish_client_count(run_bridge, helper_node):
    from rclpy.qos import DurabilityPolicy
    from std_msgs.msg import UInt32
    counts = []
    latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    helper_node.create_subscription(UInt32, '/foxglove_bridge/client_count',
                                    lambda m: counts.append(m.data), latched)
    bridge = run_bridge(publish_client_count=True)

    async def scenario():
        wait_for(lambda: counts and counts[-1] == 0, what='count 0')
        first = await Client.connect(bridge.url)
        wait_for(lambda: counts[-1] == 1, what='count 1')
        second = await Client.connect(bridge.url)
        wait_for(lambda: counts[-1] == 2, what='count 2')
        await first.close()
        await second.close()
        wait_for(lambda: counts[-1] == 0, what='count back to 0')

    run(scenario())


def test_topic_type_change_while_subscribed(run_bridge, domain_id):
    import subprocess
    import sys

    bridge = run_bridge()
    children = []

    def publish(type_name):
        # Other processes, as on a robot: the bridge's own participant holds a String
        # subscription, which would refuse an Int32 publisher of its own on the topic.
        child = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(__file__), 'type_changer.py'),
             '/changing', type_name], env=dict(os.environ, ROS_DOMAIN_ID=str(domain_id)),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        children.append(child)
        assert child.stdout.readline().strip() == 'ready'
        return child

    async def scenario():
        strings = publish('String')
        client = await Client.connect(bridge.url)
        old = await client.channel_for('/changing')
        assert old['schemaName'] == 'std_msgs/msg/String'
        await client.subscribe(1, old['id'])
        await client.expect_binary()
        # The String node stops and an Int32 one starts: the bridge's own String
        # subscription must not keep the old type alive on the graph.
        strings.stdin.close()
        strings.wait(TIMEOUT)
        publish('Int32')
        unadvertise = await client.expect_op('unadvertise')
        assert unadvertise['channelIds'] == [old['id']]
        new = await client.channel_for('/changing')
        assert new['schemaName'] == 'std_msgs/msg/Int32'
        await client.subscribe(2, new['id'])
        deadline = time.monotonic() + TIMEOUT
        frame = None
        while time.monotonic() < deadline:
            frame = await client.expect_binary()
            if struct.unpack_from('<I', frame, 1)[0] == 2:
                break
        assert frame[13:] == bytes.fromhex('00010000') + struct.pack('<i', 42)
        assert not [s for s in client.statuses if s['level'] == 2]
        await client.close()

    try:
        run(scenario())
    finally:
        for child in children:
            if child.poll() is None:
                child.stdin.close()
                try:
                    child.wait(TIMEOUT)
                except subprocess.TimeoutExpired:
                    child.kill()


DEEP = 100_000


@pytest.mark.parametrize('make_frame', [
    lambda: '{"op":"subscribe","subscriptions":' + '[' * DEEP + ']' * DEEP + '}',
    lambda: ('{"op":"setParameters","parameters":[{"name":"/a.b","value":' + '[' * DEEP
             + ']' * DEEP + '}]}'),
    lambda: '[' * DEEP + ']' * DEEP,
], ids=['op', 'setParameters', 'bare'])
def test_deeply_nested_json_is_a_protocol_error(run_bridge, make_frame):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send(make_frame())
        status = await client.expect_op('status')
        assert status['level'] == 2
        assert status['message'].startswith('Invalid message: JSON nested too deeply: arrays '
                                            'and objects may nest at most about ')
        # The connection keeps serving.
        await client.send({'op': 'unsubscribe', 'subscriptionIds': [9]})
        assert (await client.expect_op('status'))['message'].startswith('Subscription ID 9')
        await client.close()

    run(scenario())


def test_deeply_nested_json_payload_from_the_app_gets_a_status(run_bridge):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send({'op': 'advertise', 'channels': [{
            'id': 7, 'topic': '/deep', 'encoding': 'json',
            'schemaName': 'std_msgs/msg/String'}]})
        await client.channel_for('/deep')
        await client.send(b'\x01' + struct.pack('<I', 7) + b'[' * DEEP + b']' * DEEP)
        status = await client.expect_op('status')
        assert status['level'] == 2
        assert status['message'].startswith('Cannot publish on client channel 7 (/deep): JSON '
                                            'nested too deeply')
        await client.close()

    run(scenario())


def test_discovery_goes_on_under_sim_time_without_a_clock(run_bridge, helper_node):
    # A paused simulation or a bag not yet playing: no /clock, so ROS time stands still.
    bridge = run_bridge(use_sim_time=True)

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.quiet(1.0)  # several graph polls have passed
        helper_node.create_publisher(String, '/appeared_later', 10)
        channel = await client.channel_for('/appeared_later')
        assert channel['schemaName'] == 'std_msgs/msg/String'
        await client.close()

    run(scenario())


def test_throttled_topic_holds_its_rate_and_the_newest_message_wins(run_bridge, helper_node):
    from rclpy.serialization import deserialize_message

    bridge = run_bridge(topic_throttle_patterns=['/throttled'], topic_throttle_rates=[5.0])
    throttled = helper_node.create_publisher(String, '/throttled', 10)
    free = helper_node.create_publisher(String, '/free', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        for sub_id, topic in ((1, '/throttled'), (2, '/free')):
            await client.subscribe(sub_id, (await client.channel_for(topic))['id'])
        await publish_until_received(client, free, String(data='warm-up'), 2)
        wait_for(lambda: throttled.get_subscription_count() > 0, what='matching')
        await client.quiet(0.3)
        # 20 Hz for 3 s; the throttle lets 5 Hz through (±10 %), the last message included.
        start = time.monotonic()
        for index in range(60):
            await asyncio.sleep(max(0.0, start + index / 20 - time.monotonic()))
            throttled.publish(String(data=f'm{index}'))
            free.publish(String(data=f'm{index}'))
        # 5 Hz over however long publishing took on this machine, plus the first, sent at once.
        expected = 5 * (time.monotonic() - start) + 1
        frames = [f for f in await client.quiet(1.0) if isinstance(f, bytes)]
        data = {1: [], 2: []}
        for frame in frames:
            sub_id = struct.unpack_from('<I', frame, 1)[0]
            data[sub_id].append(deserialize_message(frame[13:], String).data)
        assert len(data[2]) == 60  # an unthrottled topic loses nothing
        assert 0.9 * expected - 1 <= len(data[1]) <= 1.1 * expected + 1, (expected, data[1])
        assert data[1][-1] == 'm59'  # the newest wins, the last one too
        await client.close()

    run(scenario())


def test_a_topic_without_a_schema_first_does_not_stop_the_discovery_after_it(helper_node):
    # The C++ bridge's discovery stopped at such a topic until 3.4.3: here it is the first one
    # found, and the topics after it are advertised with their schemas.
    from foxglove_bridge_py.bridge import graph_settings
    from foxglove_bridge_py.config import BridgeConfig
    from foxglove_bridge_py.ros.graph import GraphWatcher
    from foxglove_bridge_py.ros.schema import ament_interface_reader, DefinitionBuilder
    from std_msgs.msg import Int32
    installed = ament_interface_reader()

    def read(package, file_name):
        if file_name == 'Int32.msg':
            raise UnicodeDecodeError('utf-8', b'\xff', 0, 1, 'invalid start byte')
        return installed(package, file_name)

    helper_node.create_publisher(Int32, '/a_without_schema', 10)
    helper_node.create_publisher(String, '/b_with_schema', 10)
    changes = []
    config = BridgeConfig.from_parameters({'topic_whitelist': ['/a_without_schema',
                                                               '/b_with_schema']})
    graph = GraphWatcher(helper_node, graph_settings(config), DefinitionBuilder(read),
                         changes.append)
    try:
        def found():
            return {c.topic: c for change in changes for c in change.added_channels}
        channels = wait_for(lambda: len(found()) == 2 and found(), what='both topics')
    finally:
        graph.destroy()
    assert sorted(channels) == ['/a_without_schema', '/b_with_schema']
    assert channels['/a_without_schema'].schema == ''
    assert channels['/b_with_schema'].schema == installed('std_msgs', 'String.msg')
    assert channels['/b_with_schema'].schema.endswith('string data\n')
    assert channels['/b_with_schema'].schema_encoding == 'ros2msg'


def test_service_introspection_events_get_a_full_ros2msg_schema(run_bridge, helper_node):
    from rclpy.qos import qos_profile_services_default
    service_introspection = pytest.importorskip('rclpy.service_introspection')
    from std_srvs.srv import SetBool
    service = helper_node.create_service(SetBool, '/arm/enable', lambda req, res: res)
    service.configure_introspection(helper_node.get_clock(), qos_profile_services_default,
                                    service_introspection.ServiceIntrospectionState.CONTENTS)
    bridge = run_bridge(include_hidden=True)

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for('/arm/enable/_service_event')
        await client.close()
        return channel

    channel = run(scenario())
    assert channel['schemaName'] == 'std_srvs/srv/SetBool_Event'
    assert channel['schemaEncoding'] == 'ros2msg'
    schema = channel['schema']
    assert schema.startswith('service_msgs/msg/ServiceEventInfo info\n'
                             'std_srvs/srv/SetBool_Request[<=1] request\n'
                             'std_srvs/srv/SetBool_Response[<=1] response\n')
    for part in ('MSG: service_msgs/msg/ServiceEventInfo', 'MSG: std_srvs/srv/SetBool_Request',
                 'MSG: std_srvs/srv/SetBool_Response', 'MSG: builtin_interfaces/Time',
                 'bool data', 'string message'):
        assert part in schema, part
