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
The bridge's own ROS interfaces, beside the topics it forwards.

``~/clear_session`` (a new session for the app), ``/foxglove_bridge/client_count`` (with
``publish_client_count``, as the C++ bridge names it), the ``actual_port`` parameter, the
bridge's own entries on /diagnostics (with ``publish_diagnostics``), and the subscriptions to
/diagnostics (with ``diagnostics_as_status``; the bridge's own entries are left out) and
/parameter_events (with the parametersSubscribe capability). Used on the ROS thread; what they
hear goes to callables that post to the loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, TYPE_CHECKING

from foxglove_bridge_py.capabilities.parameters import Parameter
from foxglove_bridge_py.monitoring.own_diagnostics import DiagnosticEntry, own_entry_prefix
from foxglove_bridge_py.ros.params import event_parameters
from foxglove_bridge_py.ros.topics import subscribe_diagnostics
from rcl_interfaces.msg import ParameterDescriptor, ParameterEvent
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import DurabilityPolicy, QoSProfile

if TYPE_CHECKING:  # imported where it is used, as it may be missing
    from std_srvs.srv import Trigger

CLIENT_COUNT_TOPIC = '/foxglove_bridge/client_count'
"""Where ``publish_client_count`` publishes, as the C++ bridge does."""


@dataclass(frozen=True, kw_only=True)
class EndpointSettings:
    """Which of the bridge's own endpoints the parameters ask for (fields named as them)."""

    diagnostics_as_status: bool
    publish_diagnostics: bool
    publish_client_count: bool
    parameter_events: bool
    """Follow /parameter_events (the ``parametersSubscribe`` capability is offered)."""


class BridgeEndpoints:
    """Creates the bridge's own services, publishers and subscriptions; destroys them."""

    def __init__(self, node: Node, config: EndpointSettings, *, new_session: Callable[[], str],
                 on_diagnostics: Callable[[list], None],
                 on_parameters: Callable[[list[Parameter]], None],
                 parameter_allowed: Callable[[str], bool]) -> None:
        """
        Create what the settings ask for.

        :param node: the bridge's node.
        :param config: which endpoints.
        :param new_session: starts a new session and returns its id.
        :param on_diagnostics: receives ``(name, level, message)`` entries of /diagnostics.
        :param on_parameters: receives parameters changed on /parameter_events.
        :param parameter_allowed: ``param_whitelist``.
        """
        from std_srvs.srv import Trigger

        self._node = node
        self._new_session = new_session
        self._on_parameters = on_parameters
        self._parameter_allowed = parameter_allowed
        self._services = [node.create_service(Trigger, '~/clear_session', self._clear_session)]
        self._subscriptions = []
        own = own_entry_prefix(node.get_name())
        if config.diagnostics_as_status:
            def others(entries: list) -> None:
                entries = [e for e in entries if not e[0].startswith(own)]
                if entries:
                    on_diagnostics(entries)
            self._subscriptions.append(subscribe_diagnostics(node, others))
        self._diagnostics = None
        if config.publish_diagnostics:
            self._diagnostics = _diagnostics_publisher(node)
        if config.parameter_events:
            self._subscriptions.append(node.create_subscription(
                ParameterEvent, '/parameter_events', self._on_parameter_event, 100))
        self._client_count = None
        if config.publish_client_count:
            from std_msgs.msg import UInt32
            self._client_count = node.create_publisher(UInt32, CLIENT_COUNT_TOPIC, QoSProfile(
                depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL))
            self.publish_client_count(0)

    def publish_port(self, port: int) -> None:
        """
        Declare the read-only ``actual_port`` parameter once the port is bound.

        :param port: the bound port.
        """
        # A read-only parameter can only be given its value when declared.
        if not self._node.has_parameter('actual_port'):
            self._node.declare_parameter('actual_port', port, ParameterDescriptor(
                description='The port the WebSocket server is bound to.', read_only=True))

    def publish_client_count(self, count: int) -> None:
        """
        Publish the number of connected clients, if ``publish_client_count`` is set.

        :param count: the number.
        """
        if self._client_count is not None:
            from std_msgs.msg import UInt32
            self._client_count.publish(UInt32(data=count))

    def publish_diagnostics(self, entries: list[DiagnosticEntry]) -> None:
        """
        Publish the bridge's own diagnostics, if ``publish_diagnostics`` is set.

        :param entries: one entry for the server, one per client.
        """
        if self._diagnostics is None:
            return
        from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
        array = DiagnosticArray()
        array.header.stamp = self._node.get_clock().now().to_msg()
        array.status = [DiagnosticStatus(
            level=bytes([e.level]), name=e.name, message=e.message, hardware_id=e.hardware_id,
            values=[KeyValue(key=k, value=v) for k, v in e.values]) for e in entries]
        self._diagnostics.publish(array)

    def destroy(self) -> None:
        """Destroy everything created."""
        for service in self._services:
            self._node.destroy_service(service)
        for subscription in self._subscriptions:
            if subscription is not None:
                self._node.destroy_subscription(subscription)
        for publisher in (self._client_count, self._diagnostics):
            if publisher is not None:
                self._node.destroy_publisher(publisher)

    def _clear_session(self, request: Trigger.Request, response: Trigger.Response
                       ) -> Trigger.Response:
        session_id = self._new_session()
        self._node.get_logger().info(f'new session {session_id}')
        response.success = True
        response.message = f'new session {session_id}'
        return response

    def _on_parameter_event(self, event: ParameterEvent) -> None:
        parameters = [p for p in event_parameters(event) if self._parameter_allowed(p.name)]
        if parameters:
            self._on_parameters(parameters)


def _diagnostics_publisher(node: Node) -> Optional[Publisher]:
    try:
        from diagnostic_msgs.msg import DiagnosticArray
    except ImportError:
        node.get_logger().warning('diagnostic_msgs is not installed: the bridge publishes no '
                                  'diagnostics of its own')
        return None
    return node.create_publisher(DiagnosticArray, '/diagnostics', 10)
