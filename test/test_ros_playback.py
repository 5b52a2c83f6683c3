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

"""ros/playback.py: a recording's batches published into ROS, with /clock following them."""

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.protocol import Channel  # noqa: E402, I100
from foxglove_bridge_py.ros.playback import PlayedPublishers  # noqa: E402
from rclpy.serialization import serialize_message  # noqa: E402
from ros_harness import Collected, wait_for  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from std_msgs.msg import String  # noqa: E402


def test_a_played_batch_is_published_and_the_clock_follows_it(ros_side, helper_node):
    played = Collected()
    clock = Collected()
    helper_node.create_subscription(String, '/played', lambda m: played(m.data), 10)
    helper_node.create_subscription(Clock, '/clock', lambda m: clock(
        m.clock.sec * 10**9 + m.clock.nanosec), 10)
    channel = Channel(3, '/played', 'cdr', 'std_msgs/msg/String', '', 'ros2msg')
    other = Channel(4, '/json_only', 'json', 'x', '', 'jsonschema')
    publishers = ros_side.on_ros(PlayedPublishers, ros_side.node)
    ros_side.on_ros(publishers.create, [channel, other])
    wait_for(lambda: helper_node.count_publishers('/played') == 1, what='the publisher')
    wait_for(lambda: ros_side.node.get_subscriptions_info_by_topic('/clock'),
             what='the clock subscriber seen')
    ros_side.on_ros(publishers.publish, [
        (channel, 5_000_000_000, serialize_message(String(data='first'))),
        (channel, 6_500_000_000, serialize_message(String(data='second')))])
    assert played.wait(2, 'both played') == [('first',), ('second',)]
    assert clock.wait(1, 'the played time') == [(6_500_000_000,)]
    ros_side.on_ros(publishers.destroy)
    wait_for(lambda: helper_node.count_publishers('/played') == 0, what='none left')
