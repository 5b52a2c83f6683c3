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

"""ros/graph.py on a real node: channels and services come and go, the connection graph."""

import re

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.ros.graph import (ConnectionGraphReader, GraphSettings,  # noqa: E402, I100
                                          GraphWatcher, read_connection_graph)
from foxglove_bridge_py.ros.schema import ament_interface_reader, DefinitionBuilder  # noqa: E402
from ros_harness import Collected, wait_for  # noqa: E402
from std_msgs.msg import String  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402

EVERYTHING = (re.compile('.*'),)


def settings(topics=EVERYTHING, services=EVERYTHING, include_hidden=False):
    return GraphSettings(topic_whitelist=topics, service_whitelist=services,
                         include_hidden=include_hidden)


def added(changes):
    return {c.topic: c for change in changes.calls for c in change[0].added_channels}


def test_topics_and_services_are_reported_as_they_come_and_go(ros_side, helper_node):
    changes = Collected()
    watcher = ros_side.on_ros(lambda: GraphWatcher(
        ros_side.node, settings(topics=(re.compile('/robot/.*'),)),
        DefinitionBuilder(ament_interface_reader()), changes, services=True))
    publisher = helper_node.create_publisher(String, '/robot/status', 10)
    helper_node.create_publisher(String, '/other/status', 10)
    helper_node.create_publisher(String, '/robot/_hidden', 10)
    service = helper_node.create_service(Trigger, '/robot/reset', lambda q, r: r)
    channel = wait_for(lambda: added(changes).get('/robot/status'), what='the channel')
    assert (channel.id, channel.encoding, channel.schema_name, channel.schema_encoding) == (
        0, 'cdr', 'std_msgs/msg/String', 'ros2msg')
    assert channel.schema == ament_interface_reader()('std_msgs', 'String.msg')
    services = wait_for(lambda: {s.name: s for change in changes.calls
                                 for s in change[0].added_services}.get('/robot/reset'),
                        what='the service')
    assert services.type == 'std_srvs/srv/Trigger' and services.request_schema is not None
    assert set(added(changes)) == {'/robot/status'}
    helper_node.destroy_publisher(publisher)
    helper_node.destroy_service(service)
    wait_for(lambda: ('/robot/status', 'std_msgs/msg/String') in [
        key for change in changes.calls for key in change[0].removed_channels],
        what='the channel removed')
    wait_for(lambda: '/robot/reset' in [
        name for change in changes.calls for name in change[0].removed_services],
        what='the service removed')
    ros_side.on_ros(watcher.destroy)


def test_the_connection_graph_names_publishers_subscribers_and_providers(ros_side,
                                                                         helper_node):
    helper_node.create_publisher(String, '/robot/status', 10)
    ros_side.node.create_subscription(String, '/robot/status', lambda m: None, 10)
    helper_node.create_service(Trigger, '/robot/reset', lambda q, r: r)
    only_robot = settings(topics=(re.compile('/robot/.*'),), services=(re.compile('/robot/.*'),))

    def read():
        return ros_side.on_ros(read_connection_graph, ros_side.node, only_robot)

    graph = wait_for(lambda: (lambda g: g if g.subscribed.get('/robot/status') and
                              g.services.get('/robot/reset') else None)(read()),
                     what='the whole graph')
    assert graph.published['/robot/status'] == ('/test_helper',)
    assert graph.subscribed['/robot/status'] == ('/ros_side_test',)
    assert graph.services['/robot/reset'] == ('/test_helper',)
    assert all(topic.startswith('/robot/') for topic in graph.published)
    graphs = Collected()
    reader = ros_side.on_ros(ConnectionGraphReader, ros_side.node, only_robot, graphs)
    assert graphs.calls == []  # nobody watches: nothing is read
    ros_side.on_ros(reader.watch, True)
    (watched,), = graphs.wait(1, 'a graph read at once')
    assert watched.published['/robot/status'] == ('/test_helper',)
    ros_side.on_ros(reader.watch, False)
    ros_side.on_ros(reader.destroy)
