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

"""ros/endpoints.py on a real node: the bridge's own services, topics and subscriptions."""

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.monitoring.own_diagnostics import DiagnosticEntry  # noqa: E402, I100
from foxglove_bridge_py.ros.endpoints import (BridgeEndpoints, CLIENT_COUNT_TOPIC,  # noqa: E402
                                              EndpointSettings)
from rcl_interfaces.msg import ParameterDescriptor  # noqa: E402
from rclpy.parameter import Parameter as RosParameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile  # noqa: E402
from ros_harness import Collected, RosSide, wait_for  # noqa: E402
from std_msgs.msg import UInt32  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402

diagnostic_msgs = pytest.importorskip('diagnostic_msgs.msg')
LATCHED = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)


@pytest.fixture
def ros_side(ros_context):
    side = RosSide(ros_context, name='bridge_under_test')
    yield side
    side.close()


def endpoints(ros_side, settings, **hooks):
    hooks.setdefault('new_session', lambda: 'unused')
    hooks.setdefault('on_diagnostics', Collected())
    hooks.setdefault('on_parameters', Collected())
    hooks.setdefault('parameter_allowed', lambda name: True)
    return ros_side.on_ros(lambda: BridgeEndpoints(ros_side.node, settings, **hooks))


def test_clear_session_the_client_count_and_the_port(ros_side, helper_node):
    sessions = iter(['1001', '1002'])
    made = endpoints(ros_side, EndpointSettings(
        diagnostics_as_status=False, publish_diagnostics=False, publish_client_count=True,
        parameter_events=False), new_session=lambda: next(sessions))
    counts = Collected()
    helper_node.create_subscription(UInt32, CLIENT_COUNT_TOPIC, lambda m: counts(m.data),
                                    LATCHED)
    assert counts.wait(1, 'the latched count') == [(0,)]
    ros_side.on_ros(made.publish_client_count, 3)
    assert counts.wait(2, 'the new count')[-1] == (3,)
    client = helper_node.create_client(Trigger, '/bridge_under_test/clear_session')
    assert client.wait_for_service(timeout_sec=10)
    future = client.call_async(Trigger.Request())
    response = wait_for(lambda: future.done() and future.result(), what='the answer')
    assert (response.success, response.message) == (True, 'new session 1001')
    ros_side.on_ros(made.publish_port, 8765)
    assert ros_side.node.get_parameter('actual_port').value == 8765
    ros_side.on_ros(made.destroy)


def test_diagnostics_out_and_in_and_parameter_events(ros_side, helper_node):
    seen, parameters = Collected(), Collected()
    made = endpoints(ros_side, EndpointSettings(
        diagnostics_as_status=True, publish_diagnostics=True, publish_client_count=False,
        parameter_events=True), on_diagnostics=seen, on_parameters=parameters,
        parameter_allowed=lambda name: name.endswith('.speed'))
    published = Collected()
    helper_node.create_subscription(diagnostic_msgs.DiagnosticArray, '/diagnostics',
                                    lambda m: published([s.name for s in m.status]), 10)
    wait_for(lambda: helper_node.count_subscribers('/diagnostics') >= 2, what='both readers')
    ros_side.on_ros(made.publish_diagnostics, [
        DiagnosticEntry(0, 'bridge_under_test: server', 'ok', 'foxglove_bridge_py', ())])
    assert published.wait(1, 'our entry')[0] == (['bridge_under_test: server'],)
    other = helper_node.create_publisher(diagnostic_msgs.DiagnosticArray, '/diagnostics', 10)
    wait_for(lambda: other.get_subscription_count() >= 2, what='the bridge subscribed')
    other.publish(diagnostic_msgs.DiagnosticArray(status=[diagnostic_msgs.DiagnosticStatus(
        level=bytes([1]), name='motor', message='hot')]))
    (entries,), = seen.wait(1, "the other node's entry, ours left out")
    assert [entry[:3] for entry in entries] == [('motor', 1, 'hot')]
    helper_node.declare_parameter('speed', 1.0, ParameterDescriptor())
    helper_node.declare_parameter('secret', 'x', ParameterDescriptor())
    helper_node.set_parameters([RosParameter('speed', value=2.5),
                                RosParameter('secret', value='y')])
    changed = wait_for(lambda: [p for (batch,) in parameters.calls for p in batch
                                if p.name == '/test_helper.speed' and p.value == 2.5],
                       what='the speed change')
    assert changed[0].type == 'float64'
    assert not [p for (batch,) in parameters.calls for p in batch if 'secret' in p.name]
    ros_side.on_ros(made.destroy)
