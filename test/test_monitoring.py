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
import threading
import time
import urllib.error
import urllib.request

from bridge_harness import (Client, publish_images, small_receive_buffer_socket, TIMEOUT,
                            wait_for)
import pytest

pytest.importorskip('rclpy')

from diagnostic_msgs.msg import DiagnosticArray  # noqa: E402, I100
from std_msgs.msg import String  # noqa: E402
import websockets  # noqa: E402


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
    assert (client['subprotocol'], client['origin']) == ('foxglove.websocket.v1', None)
    assert client['last_pong_age_s'] < 3.0 and client['connected_since'].endswith('+00:00')
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


async def read_forever(client):
    while True:
        await client.recv(timeout=60.0)


class DiagnosticsListener:
    """Keeps the bridge's own entries of each /diagnostics array, as name -> (level, values)."""

    def __init__(self, node, prefix):
        self.arrays = []
        self._prefix = prefix
        node.create_subscription(DiagnosticArray, '/diagnostics', self._on_array, 10)

    def _on_array(self, array):
        own = {s.name: (s.level[0] if isinstance(s.level, bytes) else s.level,
                        s.message, {v.key: v.value for v in s.values})
               for s in array.status if s.name.startswith(self._prefix)}
        if own:
            self.arrays.append(own)

    def latest(self, where=lambda entries: True, what='a /diagnostics array', since=0):
        def found():
            return next((a for a in reversed(self.arrays[since:]) if where(a)), None)
        return wait_for(found, timeout=3 * TIMEOUT, what=what)


def test_diagnostics_show_each_client_and_warn_of_the_one_that_falls_behind(
        run_bridge, helper_node):
    bridge = run_bridge(send_buffer_limit=300_000, ping_timeout_ms=30000)
    listener = DiagnosticsListener(helper_node, 'foxglove_bridge: ')
    stop = threading.Event()
    publish_images(helper_node, '/camera/diag', 60_000, 20, stop)

    async def scenario():
        reader = await Client.connect(bridge.url)
        staller = Client(await websockets.connect(
            bridge.url, sock=small_receive_buffer_socket(bridge.port),
            subprotocols=['foxglove.websocket.v1'], origin='http://localhost:8080'))
        reader_name = 'foxglove_bridge: client 127.0.0.1:%d' % reader.ws.local_address[1]
        staller_name = 'foxglove_bridge: client 127.0.0.1:%d' % staller.ws.local_address[1]
        for sub_id, client in enumerate((reader, staller)):
            await client.subscribe(sub_id, (await client.channel_for('/camera/diag'))['id'])
            await client.expect_binary()
        staller.ws.transport.pause_reading()
        reading = asyncio.ensure_future(read_forever(reader))
        loop = asyncio.get_running_loop()
        warned = await loop.run_in_executor(None, lambda: listener.latest(
            lambda a: staller_name in a and a[staller_name][0] == 1
            and int(a[staller_name][2]['dropped_messages']) > 0,
            'the stalled client to be a WARN with drops'))
        level, message, values = warned[staller_name]
        assert message.startswith('dropped ') and '(/camera/diag: ' in message
        assert int(values['dropped_last_period /camera/diag']) > 0
        assert (values['subprotocol'], values['origin'], values['subscriptions']) == (
            'foxglove.websocket.v1', 'http://localhost:8080', '/camera/diag')
        assert reader_name in warned and warned['foxglove_bridge: server'][2]['clients'] == '2'
        dropped = int(values['dropped_messages'])
        later = await loop.run_in_executor(None, lambda: listener.latest(
            lambda a: staller_name in a and int(a[staller_name][2]['dropped_messages']) > dropped,
            'the drop count to rise'))
        assert later[staller_name][0] == 1
        staller.ws.transport.abort()
        since = len(listener.arrays)
        gone = await loop.run_in_executor(None, lambda: listener.latest(
            lambda a: staller_name not in a and reader_name in a,
            'the stalled client to leave the diagnostics', since))
        assert gone['foxglove_bridge: server'][2]['clients'] == '1'
        assert float(gone[reader_name][2]['last_pong_age_s']) < 3.0
        reading.cancel()
        await reader.close()
        return reader.statuses

    try:
        statuses = asyncio.run(scenario())
    finally:
        stop.set()
    # The bridge's own entries are not mirrored back to clients as statuses.
    assert not [s for s in statuses if s.get('id', '').startswith('diagnostics:foxglove_bridge')]


def test_the_sysinfo_channel_sends_json_at_its_interval_while_subscribed(run_bridge):
    bridge = run_bridge(sysinfo_refresh_interval=200)
    off = run_bridge(sysinfo=False)

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for('/foxglove_bridge/sysinfo')
        assert (channel['encoding'], channel['schemaName'], channel['schemaEncoding']) == (
            'json', 'foxglove.SystemInfo', 'jsonschema')
        assert set(json.loads(channel['schema'])['properties']) >= {
            'process_cpu_percent', 'total_cpu_percent', 'used_memory', 'num_cpus'}
        await client.subscribe(3, channel['id'])
        stamps = []
        for _ in range(4):
            frame = await client.expect_binary()
            assert frame[:5] == b'\x01\x03\x00\x00\x00'  # MessageData of subscription 3
            stamps.append(int.from_bytes(frame[5:13], 'little'))
            sample = json.loads(frame[13:])
        assert sample['num_cpus'] >= 1 and sample['process_memory'] > 0
        assert abs(stamps[0] / 1e9 - time.time()) < 10.0  # log time: the wall clock
        # sysinfo_refresh_interval apart (the timer may be late on a loaded machine, not early).
        assert min(b - a for a, b in zip(stamps, stamps[1:])) >= 190_000_000
        await client.unsubscribe(3)
        assert not [f for f in await client.quiet(0.6) if isinstance(f, bytes)]
        assert not client.statuses  # served by the bridge itself: no ROS subscription failed
        await client.close()
        plain = await Client.connect(off.url)
        await plain.quiet(0.3)
        assert '/foxglove_bridge/sysinfo' not in {c['topic'] for c in plain.channels.values()}
        await plain.close()

    asyncio.run(scenario())


def test_a_held_up_loop_makes_the_server_entry_an_error(run_bridge, helper_node):
    bridge = run_bridge()
    listener = DiagnosticsListener(helper_node, 'foxglove_bridge: ')
    listener.latest(what='the first diagnostics')
    bridge.call(time.sleep, 0.6)  # a loop callback that takes 600 ms
    level, message, values = listener.latest(
        lambda a: a['foxglove_bridge: server'][0] == 2,
        'the server entry to be an ERROR')['foxglove_bridge: server']
    assert message.startswith('the asyncio loop was held up ')
    # A heartbeat was due within 250 ms of the start of the hold, and came after it.
    assert float(values['loop_lag_ms']) >= 600.0 - 250.0
    # The next second the loop turns freely again.
    listener.latest(lambda a: a['foxglove_bridge: server'][0] == 0, 'the server to be OK again',
                    since=len(listener.arrays))


def test_the_app_sees_the_bridges_own_diagnostics_on_the_diagnostics_channel(run_bridge):
    from rclpy.serialization import deserialize_message

    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for('/diagnostics', timeout=3 * TIMEOUT)
        assert channel['schemaName'] == 'diagnostic_msgs/msg/DiagnosticArray'
        await client.subscribe(4, channel['id'])
        frame = await client.expect_binary(timeout=3 * TIMEOUT)
        await client.close()
        return client.ws.local_address[1], deserialize_message(frame[13:], DiagnosticArray)

    port, array = asyncio.run(scenario())
    names = [s.name for s in array.status]
    assert names == ['foxglove_bridge: server', f'foxglove_bridge: client 127.0.0.1:{port}']
    assert {v.key: v.value for v in array.status[1].values}['subscriptions'] == '/diagnostics'
