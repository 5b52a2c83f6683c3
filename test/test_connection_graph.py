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

"""The connection graph: the full graph on subscribe, then diffs, only to subscribers."""

import asyncio
import time

from bridge_harness import Client, TIMEOUT
from foxglove_bridge_py.capabilities.connection_graph import ConnectionGraph
import pytest

pytest.importorskip('rclpy')

from std_msgs.msg import String  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


async def graph_update_where(client, predicate):
    deadline = time.monotonic() + TIMEOUT
    while True:
        update = await client.expect_op('connectionGraphUpdate',
                                        timeout=max(0.01, deadline - time.monotonic()))
        if predicate(update):
            return update


def entries(update, key, ids_key):
    return {e['name']: e[ids_key] for e in update[key]}


def test_diff_rules():
    before = ConnectionGraph({'/a': ('/n1',), '/b': ('/n1',)}, {'/b': ('/n2',)},
                             {'/s': ('/n1',)})
    after = ConnectionGraph({'/a': ('/n1', '/n3')}, {'/b': ('/n2',)}, {})
    import json
    update = json.loads(before.diff(after))
    assert update == {
        'op': 'connectionGraphUpdate',
        'publishedTopics': [{'name': '/a', 'publisherIds': ['/n1', '/n3']},
                            {'name': '/b', 'publisherIds': []}],
        'subscribedTopics': [], 'advertisedServices': [],
        'removedTopics': [], 'removedServices': ['/s']}
    assert json.loads(after.diff(ConnectionGraph()))['removedTopics'] == ['/a', '/b']
    assert after.diff(after) is None


def test_full_graph_then_diffs_to_subscribers_only(run_bridge, helper_node):
    publisher = helper_node.create_publisher(String, '/graph_topic', 10)
    helper_node.create_service(Trigger, '/graph_service', lambda request, response: response)
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        bystander = await Client.connect(bridge.url)
        assert 'connectionGraph' in client.server_info['capabilities']
        await client.send({'op': 'subscribeConnectionGraph'})
        full = await graph_update_where(
            client, lambda u: '/graph_topic' in entries(u, 'publishedTopics', 'publisherIds'))
        assert entries(full, 'publishedTopics', 'publisherIds')['/graph_topic'] == [
            '/test_helper']
        assert set(full) == {'op', 'publishedTopics', 'subscribedTopics', 'advertisedServices',
                             'removedTopics', 'removedServices'}
        full_services = entries(full, 'advertisedServices', 'providerIds')
        if '/graph_service' not in full_services:
            full = await graph_update_where(
                client, lambda u: '/graph_service' in entries(u, 'advertisedServices',
                                                              'providerIds'))
        subscription = helper_node.create_subscription(String, '/graph_topic', lambda m: None,
                                                       10)
        update = await graph_update_where(
            client, lambda u: '/graph_topic' in entries(u, 'subscribedTopics', 'subscriberIds'))
        assert entries(update, 'subscribedTopics', 'subscriberIds')['/graph_topic'] == [
            '/test_helper']
        helper_node.destroy_publisher(publisher)
        helper_node.destroy_subscription(subscription)
        update = await graph_update_where(client, lambda u: '/graph_topic' in u['removedTopics'])
        await client.send({'op': 'unsubscribeConnectionGraph'})
        await client.quiet(0.3)
        helper_node.create_publisher(String, '/after_unsubscribe', 10)
        later = await client.quiet(2.5) + await bystander.quiet(0.1)
        assert not [f for f in later if isinstance(f, dict)
                    and f['op'] == 'connectionGraphUpdate']
        await client.close()
        await bystander.close()

    run(scenario())
