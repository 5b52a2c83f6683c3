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

"""The installed foxglove_relay and foxglove_bridge, as ``ros2 run`` starts them, on loopback."""

import asyncio
import re
import signal

from bridge_harness import Client, TIMEOUT, wait_for

import pytest

from relay_harness import free_port

pytest.importorskip('zenoh')


def test_ros2_run_foxglove_relay_serves_a_robot_that_dials_it(start_process):
    endpoint = f'tcp/127.0.0.1:{free_port()}'
    relay = start_process('--listen', endpoint, '--address', '127.0.0.1', '--port', '0',
                          '--name', 'vm', program='foxglove_relay')
    match = wait_for(lambda: re.search(r'serving ws://127\.0\.0\.1:(\d+)/<robot>',
                                       relay.output()), what='the relay to listen')
    port = int(match.group(1))
    robot = start_process('--ros-args', '-p', 'port:=0', '-p', 'address:=127.0.0.1',
                          '-p', f"relay_connect:=['{endpoint}']", '-p', 'relay_name:=exe-robot')
    robot.port()
    wait_for(lambda: 'robot exe-robot online' in relay.output(), what='the robot online')

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}/exe-robot')
        await client.channel_for('/foxglove_bridge/sysinfo')
        await client.close()

    asyncio.run(scenario())
    wait_for(lambda: 'connected via relay vm' in robot.output(), what="the robot's log line")
    relay.process.send_signal(signal.SIGINT)
    assert relay.process.wait(TIMEOUT) == 0, relay.output()
