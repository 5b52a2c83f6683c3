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

"""Launch foxglove_bridge_py; every argument is the node parameter of the same name."""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

# Argument defaults as launch text; launch_ros reads them as YAML, as it does for the XML file.
# test/test_config.py checks that they match the XML launch file and the node's defaults.
LAUNCH_ARGS = {
    'port': '8765',
    'address': '0.0.0.0',
    'tls': 'false',
    'certfile': '',
    'keyfile': '',
    'access_file': '',
    'topic_whitelist': "['.*']",
    'service_whitelist': "['.*']",
    'param_whitelist': "['.*']",
    'client_topic_whitelist': "['.*']",
    'best_effort_qos_topic_whitelist': "['(?!)']",
    'topic_throttle_patterns': "['(?!)']",
    'topic_throttle_rates': '[0.0]',
    'image_twins': 'true',
    'image_twin_topic_whitelist': "['.*']",
    'image_twin_max_rate': '10.0',
    'image_twin_quality': '60',
    'video_twins': 'true',
    'video_twin_bitrate': '2000000',
    'cloud_twins': 'true',
    'cloud_twin_topic_whitelist': "['.*']",
    'cloud_twin_max_points': '100000',
    'cloud_twin_max_rate': '10.0',
    'min_qos_depth': '1',
    'max_qos_depth': '25',
    'num_threads': '0',
    'send_buffer_limit': '10000000',
    'message_backlog_size': '1024',
    'max_message_age_ms': '5000',
    'use_compression': 'false',
    'capabilities': "['clientPublish', 'parameters', 'parametersSubscribe', 'services', "
                    "'connectionGraph', 'assets']",
    'include_hidden': 'false',
    'asset_uri_allowlist': "['^package://(?:[-\\w%]+/)*[-\\w%.]+\\.(?:dae|fbx|glb|gltf|jpeg|jpg|"
                           "mtl|obj|png|stl|tif|tiff|urdf|webp|xacro)$']",
    'ignore_unresponsive_param_nodes': 'true',
    'publish_client_count': 'false',
    'debug': 'false',
    'session_id': '',
    'clear_session_on_clock_jump': 'true',
    'status_endpoint': 'true',
    'diagnostics_as_status': 'true',
    'publish_diagnostics': 'true',
    'sysinfo': 'true',
    'sysinfo_topic': '/foxglove_bridge/sysinfo',
    'sysinfo_refresh_interval': '500',
    'relay_connect': '[]',
    'relay_name': '',
    'relay_zenoh_config': '',
    'relay_role': 'viewer',
    'service_call_timeout_ms': '5000',
    'parameter_timeout_ms': '5000',
    'playback_file': '',
    'playback_publish': 'false',
    'allowed_origins': "['.*']",
    'max_clients': '100',
    'max_message_size': '67108864',
    'max_json_message_size': '1048576',
    'max_subscriptions_per_client': '10000',
    'max_channels_per_client': '1000',
    'ping_interval_ms': '10000',
    'ping_timeout_ms': '10000',
    'use_sim_time': 'false',
}
STRING_ARGS = ('address', 'certfile', 'keyfile', 'access_file', 'playback_file', 'session_id',
               'relay_name', 'relay_zenoh_config', 'relay_role')


def generate_launch_description():
    parameters = {}
    for name in LAUNCH_ARGS:
        value_type = str if name in STRING_ARGS else None
        parameters[name] = ParameterValue(LaunchConfiguration(name), value_type=value_type)
    return LaunchDescription(
        [DeclareLaunchArgument(name, default_value=default)
         for name, default in LAUNCH_ARGS.items()]
        + [Node(package='foxglove_bridge_py', executable='foxglove_bridge',
                name='foxglove_bridge', output='screen', parameters=[parameters])])
