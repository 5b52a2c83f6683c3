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

"""ros/topics.py on a real node: raw CDR in, latched replays, throttling, failures named."""

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.ros.topics import SubscriptionSettings, TopicSubscriptions  # noqa: E402, I100, E501
from rclpy.qos import DurabilityPolicy, QoSProfile  # noqa: E402
from rclpy.serialization import serialize_message  # noqa: E402
from ros_harness import Collected, wait_for  # noqa: E402
from std_msgs.msg import String  # noqa: E402

LATCHED = QoSProfile(depth=3, durability=DurabilityPolicy.TRANSIENT_LOCAL)


def settings(throttle=lambda topic: 0.0):
    return SubscriptionSettings(use_sim_time=False, min_qos_depth=1, max_qos_depth=25,
                                best_effort_qos_topic_whitelist=(), throttle_period=throttle)


def subscriptions(ros_side, throttle=lambda topic: 0.0, message_info=False):
    messages, problems, latched = Collected(), Collected(), Collected()
    topics = ros_side.on_ros(lambda: TopicSubscriptions(
        ros_side.node, settings(throttle), messages, problems, latched,
        message_info=message_info))
    return topics, messages, problems, latched


def test_messages_arrive_as_the_publishers_cdr_bytes_with_rising_sequence(ros_side,
                                                                          helper_node):
    publisher = helper_node.create_publisher(String, '/chatter', 10)
    topics, messages, problems, _ = subscriptions(ros_side)
    wait_for(lambda: ros_side.node.count_publishers('/chatter') == 1, what='the publisher')
    ros_side.on_ros(topics.start, 7, '/chatter', 'std_msgs/msg/String')
    wait_for(lambda: publisher.get_subscription_count() == 1, what='the subscription')
    for text in ('one', 'two', 'three'):
        publisher.publish(String(data=text))
    received = messages.wait(3, 'three messages')
    assert [(channel, data) for channel, _, _, data in received] == [
        (7, serialize_message(String(data=text))) for text in ('one', 'two', 'three')]
    sequences = [sequence for _, sequence, _, _ in received]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert ros_side.on_ros(topics.topics) == {'/chatter'}
    ros_side.on_ros(topics.stop, 7)
    wait_for(lambda: publisher.get_subscription_count() == 0, what='the subscription gone')
    assert problems.calls == []


def test_a_latched_topic_keeps_what_its_publisher_kept_for_late_joiners(ros_side, helper_node):
    publisher = helper_node.create_publisher(String, '/map', LATCHED)
    for text in ('a', 'b', 'c', 'd'):
        publisher.publish(String(data=text))
    topics, messages, _, latched = subscriptions(ros_side, message_info=True)
    wait_for(lambda: ros_side.node.count_publishers('/map') == 1, what='the publisher')
    ros_side.on_ros(topics.start, 3, '/map', 'std_msgs/msg/String')
    assert latched.wait(1, 'the channel marked latched') == [(3,)]
    messages.wait(3, 'the three kept')
    kept, until = ros_side.on_ros(topics.latched, 3)
    # As many of each publisher's newest as its depth, as far as discovery tells it (Kilted's
    # rmw reports no depth, so one; Jazzy's its 3): never more, never an older one.
    datas = [data for _, _, data in kept]
    assert 1 <= len(datas) <= 3
    assert datas == [serialize_message(String(data=t)) for t in 'abcd'][-len(datas):]
    assert until > max(sequence for sequence, _, _ in kept)


def test_a_throttled_topic_sends_the_newest_once_per_period(ros_side, helper_node):
    publisher = helper_node.create_publisher(String, '/fast', 10)
    topics, messages, _, _ = subscriptions(
        ros_side, throttle=lambda topic: 0.5 if topic == '/fast' else 0.0)
    wait_for(lambda: ros_side.node.count_publishers('/fast') == 1, what='the publisher')
    ros_side.on_ros(topics.start, 1, '/fast', 'std_msgs/msg/String')
    wait_for(lambda: publisher.get_subscription_count() == 1, what='the subscription')
    publisher.publish(String(data='first'))
    messages.wait(1, 'the first message, at once')
    for index in range(20):
        publisher.publish(String(data=str(index)))
    newest = serialize_message(String(data='19'))
    wait_for(lambda: messages.calls[-1][3] == newest, what='the newest, a period later')
    # The first went at once; of the burst, within the period, the newest waited and went.
    assert [data for _, _, _, data in messages.calls] == [
        serialize_message(String(data='first')), newest]


def test_a_type_that_is_not_installed_is_a_problem_of_its_channel(ros_side):
    topics, _, problems, _ = subscriptions(ros_side)
    ros_side.on_ros(topics.start, 9, '/odd', 'no_such_pkg/msg/Thing')
    (channel, kind, text), = problems.wait(1, 'the problem')
    assert (channel, kind) == (9, 'subscription')
    assert text.startswith('Cannot subscribe to /odd: message type no_such_pkg/msg/Thing is '
                           'not installed for Python')
    ros_side.on_ros(topics.destroy)
