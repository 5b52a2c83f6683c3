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

"""ros/source.py on a real node: the live graph as a source, seen through its two seams."""

from dataclasses import replace

import pytest

pytest.importorskip('rclpy')

from builtin_interfaces.msg import Time  # noqa: E402, I100
from foxglove_bridge_py.bridge import source_settings  # noqa: E402
from foxglove_bridge_py.config import BridgeConfig  # noqa: E402
from foxglove_bridge_py.ros.source import RosSource  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile  # noqa: E402
from rclpy.serialization import serialize_message  # noqa: E402
from ros_harness import Collected, wait_for  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from std_msgs.msg import String  # noqa: E402

LATCHED = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)


class Events:
    """The core's side of SourceEvents, recorded."""

    def __init__(self):
        self.graph_changed = Collected()
        self.channel_problem = Collected()
        self.clear_channel_problems = Collected()
        self.channel_latched = Collected()


class Sink:
    """The loop's side of MessageSink, recorded."""

    def __init__(self):
        self.post_message = Collected()
        self.post_replay = Collected()
        self.post_time = Collected()
        self.sessions = Collected()

    def post_new_session(self):
        self.sessions()
        return str(len(self.sessions.calls))


def live_source(ros_side, use_sim_time=False, **parameters):
    events, sink = Events(), Sink()
    settings = source_settings(BridgeConfig.from_parameters(parameters,
                                                            use_sim_time=use_sim_time))
    source = ros_side.on_ros(lambda: RosSource(ros_side.node, settings, events, sink,
                                               message_info=False))
    ros_side.on_ros(source.poll)
    return source, events, sink


def channels(events):
    return {c.topic: c for (change,) in events.graph_changed.calls for c in change.added_channels}


def test_a_topic_becomes_a_channel_and_its_messages_reach_the_sink(ros_side, helper_node):
    publisher = helper_node.create_publisher(String, '/robot/status', 10)
    source, events, sink = live_source(ros_side, topic_whitelist=['/robot/.*'])
    found = wait_for(lambda: channels(events).get('/robot/status'), what='the channel')
    channel = replace(found, id=4)
    ros_side.on_ros(source.start, channel)
    wait_for(lambda: publisher.get_subscription_count() == 1, what='the subscription')
    publisher.publish(String(data='ready'))
    (channel_id, _, _, data), = sink.post_message.wait(1, 'the message')
    assert (channel_id, data) == (4, serialize_message(String(data='ready')))
    ros_side.on_ros(source.stop, 4)
    wait_for(lambda: publisher.get_subscription_count() == 0, what='the subscription gone')
    ros_side.on_ros(source.destroy)
    assert events.channel_problem.calls == []


def test_a_latched_topic_is_marked_and_replayed_to_a_late_joiner(ros_side, helper_node):
    publisher = helper_node.create_publisher(String, '/map', LATCHED)
    publisher.publish(String(data='the map'))
    source, events, sink = live_source(ros_side)
    found = wait_for(lambda: channels(events).get('/map'), what='the channel')
    ros_side.on_ros(source.start, replace(found, id=2))
    assert events.channel_latched.wait(1, 'the channel marked latched') == [(2,)]
    sink.post_message.wait(1, 'the kept message')
    ros_side.on_ros(source.replay, 9, 2)
    (client_id, channel_id, messages, until), = sink.post_replay.wait(1, 'the replay')
    assert (client_id, channel_id) == (9, 2)
    assert [data for _, _, data in messages] == [serialize_message(String(data='the map'))]
    assert until > messages[-1][0]
    ros_side.on_ros(source.destroy)


def test_the_clock_is_time_and_one_that_jumps_back_is_a_new_session(ros_side, helper_node):
    clock = helper_node.create_publisher(Clock, '/clock', 10)
    source, events, sink = live_source(ros_side, use_sim_time=True)
    wait_for(lambda: clock.get_subscription_count() >= 1, what='the clock subscribed')
    for seconds in (10, 11, 3):
        clock.publish(Clock(clock=Time(sec=seconds)))
        wait_for(lambda: seconds * 10**9 in [t for (t,) in sink.post_time.calls],
                 what=f'the time {seconds} s')
    assert [t for (t,) in sink.post_time.calls] == [10 * 10**9, 11 * 10**9, 3 * 10**9]
    assert len(sink.sessions.calls) == 1  # when it went back from 11 s to 3 s
    ros_side.on_ros(source.destroy)
