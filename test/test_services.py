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

"""Services: advertisement with schemas, CDR and JSON calls, failures, timeouts."""

import asyncio
import json
import struct
import time

from bridge_harness import (call_frame, Client, expect_service_answer, service_named, TIMEOUT,
                            wait_for)
import pytest

pytest.importorskip('rclpy')

from rclpy.node import Node  # noqa: E402
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402
from std_msgs.msg import String  # noqa: E402
from std_srvs.srv import SetBool  # noqa: E402

SET_BOOL_RESPONSE_SCHEMA = ('bool success   # indicate successful run of triggered service\n'
                            'string message # informational, e.g. for error messages')


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


def serve_set_bool(node, name='/foo_service'):
    def handle(request, response):
        response.success = request.data
        response.message = 'hello'
        return response
    return node.create_service(SetBool, name, handle)


def parse_response(frame):
    opcode, service_id, call_id, enc_len = struct.unpack_from('<BIII', frame)
    assert opcode == 3
    encoding = frame[13:13 + enc_len].decode()
    return service_id, call_id, encoding, frame[13 + enc_len:]


def test_service_is_advertised_with_schemas_comments_kept(run_bridge, helper_node):
    serve_set_bool(helper_node)
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        assert 'services' in client.server_info['capabilities']
        assert client.server_info['supportedEncodings'] == ['cdr', 'json']
        service = await service_named(client, '/foo_service')
        assert service['type'] == 'std_srvs/srv/SetBool'
        assert service['request'] == {
            'encoding': 'cdr', 'schemaName': 'std_srvs/srv/SetBool_Request',
            'schemaEncoding': 'ros2msg',
            'schema': 'bool data # e.g. for hardware enabling / disabling'}
        assert service['response']['schemaName'] == 'std_srvs/srv/SetBool_Response'
        assert service['response']['schema'] == SET_BOOL_RESPONSE_SCHEMA
        await client.close()

    run(scenario())


def test_call_service_from_three_clients_in_parallel(run_bridge, helper_node):
    serve_set_bool(helper_node)
    bridge = run_bridge()
    request = serialize_message(SetBool.Request(data=True))

    async def one_client():
        client = await Client.connect(bridge.url)
        service = await service_named(client, '/foo_service')
        await client.send(call_frame(service['id'], 123, 'cdr', request))
        frame = await expect_service_answer(client)
        await client.close()
        return service['id'], frame

    async def scenario():
        for service_id, frame in await asyncio.gather(*(one_client() for _ in range(3))):
            assert isinstance(frame, bytes), frame
            got_id, call_id, encoding, payload = parse_response(frame)
            assert (got_id, call_id, encoding) == (service_id, 123, 'cdr')
            response = deserialize_message(payload, SetBool.Response)
            assert (response.success, response.message) == (True, 'hello')

    run(scenario())


def test_json_service_call_answers_in_json(run_bridge, helper_node):
    serve_set_bool(helper_node)
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        service = await service_named(client, '/foo_service')
        await client.send(call_frame(service['id'], 7, 'json', b'{"data": false}'))
        frame = await expect_service_answer(client)
        _, call_id, encoding, payload = parse_response(frame)
        assert (call_id, encoding) == (7, 'json')
        assert json.loads(payload) == {'success': False, 'message': 'hello'}
        await client.close()

    run(scenario())


@pytest.mark.parametrize('make_frame, text', [
    (lambda sid: call_frame(99, 123, '', b''), 'Unknown service: 99'),
    (lambda sid: call_frame(sid, 123, 'protobuf', b''), 'Unsupported encoding "protobuf"'),
    (lambda sid: call_frame(sid, 123, 'cdr', b'\x00'), 'Bad request for /foo_service'),
    (lambda sid: call_frame(sid, 123, 'json', b'{"data": 1}'),
     'field data: expected a boolean'),
    (lambda sid: call_frame(sid, 123, 'json', b'{nope'), 'Bad request for /foo_service'),
])
def test_failed_calls_get_service_call_failure(run_bridge, helper_node, make_frame, text):
    serve_set_bool(helper_node)
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        service = await service_named(client, '/foo_service')
        await client.send(make_frame(service['id']))
        failure = await expect_service_answer(client)
        assert isinstance(failure, dict), failure
        assert failure['callId'] == 123
        assert text in failure['message']
        await client.close()

    run(scenario())


def test_service_that_never_answers_times_out_while_data_flows(run_bridge, helper_node,
                                                               ros_context):
    # A node that is never spun: its service is on the graph but never answers.
    silent = Node('silent', context=ros_context)
    silent.create_service(SetBool, '/never_answers', lambda request, response: response)
    serve_set_bool(helper_node)
    publisher = helper_node.create_publisher(String, '/during_call', 10)
    bridge = run_bridge(service_call_timeout_ms=1500)

    async def scenario():
        client = await Client.connect(bridge.url)
        service = await service_named(client, '/never_answers')
        other = await service_named(client, '/foo_service')
        channel = await client.channel_for('/during_call')
        await client.subscribe(1, channel['id'])
        wait_for(lambda: publisher.get_subscription_count() > 0, what='matching')
        started = time.monotonic()
        await client.send(call_frame(service['id'], 5, 'cdr',
                                     serialize_message(SetBool.Request())))
        # Another call, made while the first hangs, is answered at once.
        await client.send(call_frame(other['id'], 6, 'json', b'{"data": true}'))
        answer = await expect_service_answer(client)
        assert isinstance(answer, bytes) and parse_response(answer)[1] == 6
        assert time.monotonic() - started < 1.0
        data_during_call = 0
        failure = None
        while failure is None:
            publisher.publish(String(data='tick'))
            for frame in await client.quiet(0.05):
                if isinstance(frame, bytes) and frame[0] == 1:
                    data_during_call += 1
                elif isinstance(frame, dict) and frame['op'] == 'serviceCallFailure':
                    failure = frame
        elapsed = time.monotonic() - started
        assert failure['callId'] == 5
        assert 'did not answer within 1500 ms' in failure['message']
        assert 1.4 < elapsed < 1.5 + TIMEOUT
        assert data_during_call > 5
        await client.close()

    try:
        run(scenario())
    finally:
        silent.destroy_node()


def test_too_many_calls_in_flight(run_bridge, ros_context):
    silent = Node('silent', context=ros_context)
    silent.create_service(SetBool, '/never_answers', lambda request, response: response)
    bridge = run_bridge()
    request = serialize_message(SetBool.Request())

    async def scenario():
        client = await Client.connect(bridge.url)
        service = await service_named(client, '/never_answers')
        for call_id in range(33):
            await client.send(call_frame(service['id'], call_id, 'cdr', request))
        failure = await expect_service_answer(client)
        assert failure['callId'] == 32
        assert failure['message'].startswith('Too many requests')
        await client.close()

    try:
        run(scenario())
    finally:
        silent.destroy_node()


def test_vanished_service_is_unadvertised(run_bridge, helper_node):
    server = serve_set_bool(helper_node, '/short_lived')
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        service = await service_named(client, '/short_lived')
        helper_node.destroy_service(server)
        message = await client.expect_op('unadvertiseServices')
        assert message['serviceIds'] == [service['id']]
        await client.close()

    run(scenario())


def test_unavailable_service(run_bridge):
    from foxglove_bridge_py.core.graph_types import GraphChange
    from foxglove_bridge_py.protocol import Service
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        # Known to the bridge (as if the graph still listed it) but served by no one.
        bridge.call(bridge.bridge.hub.graph_changed, GraphChange(added_services=[
            Service(0, '/ghost', 'std_srvs/srv/SetBool')]))
        service = await service_named(client, '/ghost')
        assert (service['requestSchema'], service['responseSchema']) == ('', '')
        await client.send(call_frame(service['id'], 1, 'cdr', b''))
        failure = await expect_service_answer(client)
        assert failure['message'] == 'Service /ghost is not available'
        await client.close()

    run(scenario())


def test_service_event_topic_does_not_prevent_later_advertisements(run_bridge, helper_node):
    from std_srvs.srv import SetBool_Event
    helper_node.create_publisher(SetBool_Event, '/service_event_before', 10)
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for('/service_event_before')
        assert channel['schemaName'] == 'std_srvs/srv/SetBool_Event'
        assert 'service_msgs/msg/ServiceEventInfo info' in channel['schema']
        assert 'std_srvs/srv/SetBool_Request[<=1]' in channel['schema']
        helper_node.create_publisher(String, '/topic_after_service_event', 10)
        await client.channel_for('/topic_after_service_event')
        await client.close()

    run(scenario())
