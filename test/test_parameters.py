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

"""Parameters of other nodes: the C++ bridge's smoke tests, and more."""

import asyncio
import threading
import time

from bridge_harness import Client, TIMEOUT
import pytest

pytest.importorskip('rclpy')

from rcl_interfaces.msg import ParameterDescriptor  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.node import Node  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


@pytest.fixture
def param_nodes(ros_context):
    """Give node_1 and node_2 with the C++ smoke test's parameters, spun on a thread."""
    node_1 = Node('node_1', context=ros_context, allow_undeclared_parameters=True,
                  automatically_declare_parameters_from_overrides=True,
                  parameter_overrides=[Parameter('string_param', value='hello'),
                                       Parameter('shared', value=1)])
    # Only a dynamically typed parameter may be unset (rclpy refuses a type change otherwise).
    node_1.declare_parameter('deletable_param', True, ParameterDescriptor(dynamic_typing=True))
    node_2 = Node('node_2', context=ros_context, allow_undeclared_parameters=True,
                  automatically_declare_parameters_from_overrides=True,
                  parameter_overrides=[Parameter('int_array_param', value=[1, 2, 3]),
                                       Parameter('float_param', value=1.123),
                                       Parameter('float_array_param', value=[1.1, 2.2, 3.3]),
                                       Parameter('int_param', value=123),
                                       Parameter('shared', value=2)])
    executor = SingleThreadedExecutor(context=ros_context)
    for node in (node_1, node_2):
        executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    yield node_1, node_2
    executor.shutdown(timeout_sec=2)
    thread.join(2)
    for node in (node_1, node_2):
        node.destroy_node()


async def get(client, names, request_id='req'):
    await client.send({'op': 'getParameters', 'parameterNames': names, 'id': request_id})
    reply = await client.expect_op('parameterValues')
    assert reply['id'] == request_id
    return {p['name']: p for p in reply['parameters']}


async def get_when(client, name, predicate):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        values = await get(client, [name])
        if name in values and predicate(values[name].get('value')):
            return values[name]
        await client.quiet(0.05)
    raise AssertionError(f'{name} never became as expected')


def test_get_all_parameters(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        assert {'parameters', 'parametersSubscribe'} <= set(client.server_info['capabilities'])
        values = await get(client, [], 'get-all-params')
        assert len(values) >= 2
        assert values['/node_1.string_param'] == {'name': '/node_1.string_param',
                                                  'value': 'hello'}
        assert values['/node_2.float_param'] == {'name': '/node_2.float_param',
                                                 'value': 1.123, 'type': 'float64'}
        assert values['/node_2.float_array_param']['type'] == 'float64_array'
        assert not [n for n in values if n.startswith('/foxglove_bridge.')]
        await client.close()

    run(scenario())


def test_get_non_existing_parameters(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        assert await get(client, ['/foo_1.non_existing_parameter',
                                  '/foo_2.non_existing.nested_parameter']) == {}
        await client.close()

    run(scenario())


def test_get_int_and_several_parameters(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        assert await get(client, ['/node_2.int_param']) == {
            '/node_2.int_param': {'name': '/node_2.int_param', 'value': 123}}
        values = await get(client, ['/node_1.string_param', '/node_2.int_array_param'])
        assert [values[n]['value'] for n in sorted(values)] == ['hello', [1, 2, 3]]
        await client.close()

    run(scenario())


def test_set_parameters_without_and_with_id(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send({'op': 'setParameters', 'parameters': [
            {'name': '/node_1.string_param', 'value': 'world'},
            {'name': '/node_2.int_array_param', 'value': [4, 5, 6]}]})
        await get_when(client, '/node_1.string_param', lambda v: v == 'world')
        await get_when(client, '/node_2.int_array_param', lambda v: v == [4, 5, 6])
        await client.send({'op': 'setParameters', 'id': 'set-1', 'parameters': [
            {'name': '/node_1.string_param', 'value': 'again'}]})
        reply = await client.expect_op('parameterValues')
        assert reply == {'op': 'parameterValues', 'id': 'set-1', 'parameters': [
            {'name': '/node_1.string_param', 'value': 'again'}]}
        await client.close()

    run(scenario())


def test_set_float_parameters_with_integers(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send('{"op": "setParameters", "id": "f", "parameters": ['
                          '{"name": "/node_2.float_param", "value": 10, "type": "float64"},'
                          '{"name": "/node_2.float_array_param", "value": [3, 2, 1], '
                          '"type": "float64_array"}]}')
        reply = await client.expect_op('parameterValues')
        values = {p['name']: p for p in reply['parameters']}
        assert values['/node_2.float_param'] == {'name': '/node_2.float_param', 'value': 10.0,
                                                 'type': 'float64'}
        assert values['/node_2.float_array_param']['value'] == [3.0, 2.0, 1.0]
        assert values['/node_2.float_array_param']['type'] == 'float64_array'
        # Without the hint, a whole number typed into a double parameter stays a double.
        await client.send({'op': 'setParameters', 'id': 'g', 'parameters': [
            {'name': '/node_2.float_param', 'value': 2}]})
        reply = await client.expect_op('parameterValues')
        assert reply['parameters'][0]['type'] == 'float64'
        await client.close()

    run(scenario())


def test_unset_parameter(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send({'op': 'setParameters', 'id': 'del', 'parameters': [
            {'name': '/node_1.deletable_param'}]})
        reply = await client.expect_op('parameterValues')
        assert reply == {'op': 'parameterValues', 'id': 'del', 'parameters': []}
        # A statically typed parameter cannot be unset: the client hears why.
        await client.send({'op': 'setParameters', 'id': 'del2', 'parameters': [
            {'name': '/node_1.string_param'}]})
        status = await client.expect_op('status')
        assert status['level'] == 1
        assert status['message'].startswith('Cannot set parameter /node_1.string_param: ')
        reply = await client.expect_op('parameterValues')
        assert reply['parameters'] == [{'name': '/node_1.string_param', 'value': 'hello'}]
        await client.close()

    run(scenario())


def test_parameter_subscription_matches_node_and_name(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        setter = await Client.connect(bridge.url)
        await client.send({'op': 'subscribeParameterUpdates',
                           'parameterNames': ['/node_1.string_param', '/node_1.shared']})
        await setter.send({'op': 'setParameters', 'parameters': [
            {'name': '/node_1.string_param', 'value': 'foo'}]})
        update = await client.expect_op('parameterValues')
        assert update == {'op': 'parameterValues', 'parameters': [
            {'name': '/node_1.string_param', 'value': 'foo'}]}
        # Same parameter name on another node: not subscribed, not sent.
        await setter.send({'op': 'setParameters', 'id': 's', 'parameters': [
            {'name': '/node_2.shared', 'value': 5}]})
        await setter.expect_op('parameterValues')
        assert not [f for f in await client.quiet(0.5)
                    if isinstance(f, dict) and f['op'] == 'parameterValues']
        await client.send({'op': 'unsubscribeParameterUpdates',
                           'parameterNames': ['/node_1.string_param']})
        await client.quiet(0.2)
        await setter.send({'op': 'setParameters', 'id': 'b', 'parameters': [
            {'name': '/node_1.string_param', 'value': 'bar'}]})
        await setter.expect_op('parameterValues')
        assert not [f for f in await client.quiet(1.0)
                    if isinstance(f, dict) and f['op'] == 'parameterValues']
        await client.close()
        await setter.close()

    run(scenario())


def test_get_parameters_from_three_clients_in_parallel(run_bridge, param_nodes):
    bridge = run_bridge()

    async def one():
        client = await Client.connect(bridge.url)
        values = await get(client, [])
        await client.close()
        return values

    async def scenario():
        for values in await asyncio.gather(one(), one(), one()):
            assert len(values) >= 2

    run(scenario())


def test_unresponsive_node_does_not_hold_up_the_others(run_bridge, param_nodes, ros_context):
    # A node that never spins: its parameter services exist but never answer.
    silent = Node('silent_node', context=ros_context,
                  automatically_declare_parameters_from_overrides=True,
                  parameter_overrides=[Parameter('never', value=1)])
    bridge = run_bridge(parameter_timeout_ms=1000)

    async def scenario():
        client = await Client.connect(bridge.url)
        started = time.monotonic()
        values = await get(client, [])
        first = time.monotonic() - started
        assert '/node_1.string_param' in values and '/silent_node.never' not in values
        assert first < 1.0 + TIMEOUT / 2
        started = time.monotonic()
        values = await get(client, [])
        assert '/node_2.int_param' in values
        # Skipped from now on: no second wait for the silent node.
        assert time.monotonic() - started < 0.9
        await client.close()

    try:
        run(scenario())
    finally:
        silent.destroy_node()


def test_param_whitelist(run_bridge, param_nodes):
    bridge = run_bridge(param_whitelist=[r'/node_1\..*'])

    async def scenario():
        client = await Client.connect(bridge.url)
        values = await get(client, [])
        assert values and all(n.startswith('/node_1.') for n in values)
        await client.send({'op': 'setParameters', 'parameters': [
            {'name': '/node_2.int_param', 'value': 7}]})
        status = await client.expect_op('status')
        assert status['level'] == 1
        assert '/node_2.int_param: not in param_whitelist' in status['message']
        await client.close()

    run(scenario())


def test_bad_parameter_values_are_reported(run_bridge, param_nodes):
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send({'op': 'setParameters', 'parameters': [
            {'name': '/node_1.string_param', 'value': {'nested': 1}},
            {'name': '/node_1.shared', 'value': [1, 'a']},
            {'name': 'no_node_here', 'value': 1}]})
        messages = ' | '.join([(await client.expect_op('status'))['message'] for _ in range(3)])
        assert '/node_1.string_param: a dict cannot be a ROS parameter value' in messages
        assert '/node_1.shared: an array of mixed types' in messages
        assert "'no_node_here' is not a parameter name of the form /node.param" in messages
        await client.close()

    run(scenario())
