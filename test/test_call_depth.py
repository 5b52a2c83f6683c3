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

"""
A client's subscribe, followed from the socket to ``create_subscription`` on a real bridge.

The call crosses from the loop to the executor thread, which cuts the stack in two: the loop
side is taken where the call is queued for the ROS side (``Threads.call_in_ros``), the ROS side
where the node's ``create_subscription`` is called. Together they are the wiring a stack trace
shows: every step a named function or method, no lambda or closure between.
"""

import asyncio
import sys

from bridge_harness import Client, TIMEOUT, wait_for
import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.ros.source import RosSource  # noqa: E402, I100
from foxglove_bridge_py.threads.ros_and_loop import Threads  # noqa: E402
from std_msgs.msg import String  # noqa: E402

TOPIC = '/call_depth_probe'
MAX_FRAMES = 8
"""From the server's receive handler to the caller of ``create_subscription``, both sides."""
PACKAGE = '/foxglove_bridge_py/'
UNREADABLE = {'<lambda>', 'run', 'carry', 'posted'}


def frames_from(frame):
    """Each frame out from ``frame`` to the thread's first: (file, function, closure?)."""
    found = []
    while frame is not None:
        code = frame.f_code
        # A closure reads variables of the function it was made in; super() alone is not one.
        closure = bool(set(code.co_freevars) - {'__class__'})
        found.append((code.co_filename, code.co_name, closure))
        frame = frame.f_back
    return found[::-1]


def test_a_subscribe_is_eight_named_calls_from_the_socket_to_create_subscription(
        run_bridge, helper_node, monkeypatch):
    loop_side, ros_side = [], []
    queue_for_ros = Threads.call_in_ros

    def call_in_ros(self, function, *args, **kwargs):
        # Stands in for Threads.call_in_ros: its frame is the last of the loop side.
        if isinstance(getattr(function, '__self__', None), RosSource) and (
                function.__name__ == 'start'):
            loop_side.append(frames_from(sys._getframe()))
        queue_for_ros(self, function, *args, **kwargs)

    monkeypatch.setattr(Threads, 'call_in_ros', call_in_ros)
    bridge = run_bridge(topic_whitelist=[TOPIC])
    create = bridge.node.create_subscription

    def create_subscription(message_type, topic, *args, **kwargs):
        if topic == TOPIC:
            ros_side.append(frames_from(sys._getframe(1)))
        return create(message_type, topic, *args, **kwargs)

    monkeypatch.setattr(bridge.node, 'create_subscription', create_subscription)
    helper_node.create_publisher(String, TOPIC, 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for(TOPIC)
        await client.subscribe(1, channel['id'])
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: wait_for(lambda: ros_side, what='the ROS subscription'))
        await client.close()

    asyncio.run(asyncio.wait_for(scenario(), 3 * TIMEOUT))
    assert len(loop_side) == 1 and len(ros_side) == 1
    loop = loop_side[0]
    first = next(i for i, (path, _, _) in enumerate(loop) if f'{PACKAGE}server/' in path)
    loop = loop[first:]
    ros = ros_side[0]
    ros = ros[next(i for i, (_, name, _) in enumerate(ros) if name == '_run_ros_calls'):]
    chain = [name for _, name, _ in loop] + ['| executor thread |'] + [
        name for _, name, _ in ros]
    assert len(loop) + len(ros) <= MAX_FRAMES, chain
    # Everything between is the package's own named code (the stand-in excepted).
    between = loop[:-1] + ros
    assert all(PACKAGE in path for path, _, _ in between), between
    assert not [name for _, name, closure in between if name in UNREADABLE or closure], chain
