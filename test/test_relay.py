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
import struct
import time

from bridge_harness import Client, TIMEOUT, wait_for

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
