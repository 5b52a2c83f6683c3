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

"""ros/publishers.py on a real node: client channels published into ROS, failures named."""

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.ros.publishers import ClientPublishers  # noqa: E402, I100
from rclpy.serialization import serialize_message  # noqa: E402
from ros_harness import Collected, wait_for  # noqa: E402
from std_msgs.msg import String  # noqa: E402


def test_cdr_and_json_channels_reach_a_ros_subscriber(ros_side, helper_node):
    received = Collected()
    helper_node.create_subscription(String, '/app/chatter', lambda m: received(m.data), 10)
    failed, bad = Collected(), Collected()
    publishers = ros_side.on_ros(ClientPublishers, ros_side.node, failed, bad)
    ros_side.on_ros(publishers.create, 1, 10, '/app/chatter', 'std_msgs/msg/String', 'cdr')
    ros_side.on_ros(publishers.create, 2, 10, 'app/chatter', 'std_msgs/String', 'json')
    wait_for(lambda: helper_node.count_publishers('/app/chatter') == 2, what='two publishers')
    wait_for(lambda: ros_side.node.get_subscriptions_info_by_topic('/app/chatter'),
             what='the subscriber seen')
    ros_side.on_ros(publishers.publish, 1, 10, serialize_message(String(data='in cdr')))
    ros_side.on_ros(publishers.publish, 2, 10, b'{"data": "in json"}')
    assert sorted(received.wait(2, 'both messages')) == [('in cdr',), ('in json',)]
    ros_side.on_ros(publishers.publish, 2, 10, b'{"data": 5}')
    (client, channel, reason), = bad.wait(1, 'the bad JSON reported')
    assert (client, channel) == (2, 10)
    assert reason.startswith('Cannot publish on client channel 10 (/app/chatter): field data')
    ros_side.on_ros(publishers.destroy, 1, 10)
    ros_side.on_ros(publishers.destroy_all)
    wait_for(lambda: helper_node.count_publishers('/app/chatter') == 0, what='none left')
    assert failed.calls == []


def test_a_channel_that_cannot_be_a_publisher_is_refused_by_name(ros_side, helper_node):
    helper_node.create_publisher(String, '/app/typed', 10)
    failed = Collected()
    publishers = ros_side.on_ros(ClientPublishers, ros_side.node, failed, Collected())
    wait_for(lambda: '/app/typed' in dict(ros_side.node.get_topic_names_and_types()),
             what='the topic seen')
    ros_side.on_ros(publishers.create, 1, 1, '/app/x', 'not a type', 'cdr')
    ros_side.on_ros(publishers.create, 1, 2, '/app/typed', 'std_msgs/msg/Int32', 'cdr')
    ros_side.on_ros(publishers.create, 1, 3, '/app/y', 'no_such_pkg/msg/Thing', 'cdr')
    reasons = {channel: reason for _, channel, reason in failed.wait(3, 'three refusals')}
    assert reasons[1] == ('Cannot advertise channel 1 on /app/x with type not a type: not a '
                          'ROS message type name (expected pkg/msg/Type)')
    assert reasons[2] == ('Cannot advertise channel 2 on /app/typed with type '
                          'std_msgs/msg/Int32: the topic already has type std_msgs/msg/String')
    assert reasons[3].startswith('Cannot advertise channel 3 on /app/y with type '
                                 'no_such_pkg/msg/Thing: ')
    ros_side.on_ros(publishers.publish, 1, 1, b'ignored: no such publisher')
