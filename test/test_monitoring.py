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

"""GET /status and /healthz on the bridge's WebSocket port, with a real bridge and real ROS."""

import asyncio
import json
import time
import urllib.error
import urllib.request

from bridge_harness import Client, TIMEOUT, wait_for
import pytest

pytest.importorskip('rclpy')

from std_msgs.msg import String  # noqa: E402, I100


def get(bridge, path, origin=None):
    """GET a path the way curl or a monitoring system would; return (status, type, body)."""
    request = urllib.request.Request(f'http://127.0.0.1:{bridge.port}{path}')
    if origin is not None:
        request.add_header('Origin', origin)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers['Content-Type'], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers['Content-Type'], error.read()


def test_status_reports_the_clients_and_what_they_watch(run_bridge, helper_node):
    bridge = run_bridge()
    helper_node.create_publisher(String, '/chatter', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.subscribe(7, (await client.channel_for('/chatter'))['id'])
        await client.quiet(0.3)
        status, content_type, body = await asyncio.get_running_loop().run_in_executor(
            None, get, bridge, '/status')
        await client.close()
        return status, content_type, json.loads(body)

    status, content_type, report = asyncio.run(scenario())
    assert (status, content_type) == (200, 'application/json')
    assert report['server']['clients'] == 1
    assert report['server']['subscribed_channels'] == 1
    (client,) = report['clients']
    assert client['subscriptions'] == ['/chatter']
    assert client['name'].startswith('127.0.0.1:')
    assert (client['dropped_messages'], client['dropped_by_topic']) == (0, {})


def test_healthz_is_503_while_the_executor_is_blocked_and_200_again_after(run_bridge):
    bridge = run_bridge()
    assert get(bridge, '/healthz')[:3:2] == (200, b'ok\n')
    bridge.bridge.threads.call_in_ros(time.sleep, 3.0)  # a ROS callback that never returns
    status, _, body = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(
        get(bridge, '/healthz')), what='/healthz to see the executor stalled')
    assert body.startswith(b'stalled: the ROS executor last turned ')
    wait_for(lambda: get(bridge, '/healthz')[0] == 200, timeout=TIMEOUT + 3.0,
             what='/healthz to recover')


def test_browsers_obey_allowed_origins_and_the_endpoints_can_be_turned_off(run_bridge):
    guarded = run_bridge(allowed_origins=['https://app\\.foxglove\\.dev'])
    assert get(guarded, '/status', origin='https://evil.example')[0] == 403
    assert get(guarded, '/status', origin='https://app.foxglove.dev')[0] == 200
    assert get(guarded, '/healthz')[0] == 200  # no Origin: curl, a monitoring system
    off = run_bridge(status_endpoint=False)
    status, _, body = get(off, '/status')
    assert status == 400 and b'sec-websocket-protocol' in body  # a refused handshake, no data
