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

"""The Foxglove app's own decoder stack (npm packages, run by Node.js) against the bridge."""

import hashlib
import io
import json
import math
import os
import shutil
import subprocess

from bridge_harness import TIMEOUT, wait_for
from foxglove_bridge_py.ros_rules.message_json import message_from_json, message_to_json
import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.ros.schema import import_message_type  # noqa: E402, I100
from std_msgs.msg import String  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, 'node_client')
STAMP = {'sec': 1700000000, 'nanosec': 123456789}
HEADER = {'stamp': STAMP, 'frame_id': 'base_link'}
POSE = {'position': {'x': 1.5, 'y': -2.25, 'z': 3.0},
        'orientation': {'x': 0.0, 'y': 0.0, 'z': 0.5, 'w': 0.8660254037844386}}
MESSAGES = {
    '/t/string': ('std_msgs/msg/String', {'data': 'hello world'}),
    '/t/pose': ('geometry_msgs/msg/PoseStamped', {'header': HEADER, 'pose': POSE}),
    '/t/imu': ('sensor_msgs/msg/Imu', {
        'header': HEADER, 'orientation': POSE['orientation'],
        'angular_velocity': {'x': 0.1, 'y': 0.2, 'z': 0.3},
        'linear_acceleration_covariance': [float(i) for i in range(9)]}),
    '/t/camera_info': ('sensor_msgs/msg/CameraInfo', {
        'header': HEADER, 'height': 480, 'width': 640, 'distortion_model': 'plumb_bob',
        'd': [0.1, -0.2, 0.0, 0.0, 0.05], 'k': [500.0, 0, 320, 0, 500, 240, 0, 0, 1]}),
    '/t/image': ('sensor_msgs/msg/Image', {
        'header': HEADER, 'height': 2, 'width': 3, 'encoding': 'rgb8', 'step': 9,
        'data': list(range(18))}),
    '/t/cloud': ('sensor_msgs/msg/PointCloud2', {
        'header': HEADER, 'height': 1, 'width': 2, 'point_step': 12, 'row_step': 24,
        'fields': [{'name': n, 'offset': 4 * i, 'datatype': 7, 'count': 1}
                   for i, n in enumerate('xyz')], 'data': list(range(24)), 'is_dense': True}),
    '/t/odom': ('nav_msgs/msg/Odometry', {
        'header': HEADER, 'child_frame_id': 'base', 'pose': {'pose': POSE}}),
    '/t/markers': ('visualization_msgs/msg/MarkerArray', {'markers': [
        {'header': HEADER, 'ns': 'demo', 'id': 7, 'type': 1, 'pose': POSE,
         'scale': {'x': 1.0, 'y': 1.0, 'z': 1.0}, 'color': {'r': 1.0, 'a': 1.0},
         'text': 'cube'}]}),
    '/t/diagnostics': ('diagnostic_msgs/msg/DiagnosticArray', {'header': HEADER, 'status': [
        {'level': 1, 'name': 'motor', 'message': 'hot', 'hardware_id': 'm1',
         'values': [{'key': 'temp', 'value': '80'}]}]}),
    '/t/basic': ('test_msgs/msg/BasicTypes', {
        'bool_value': True, 'byte_value': 255, 'char_value': 65, 'float32_value': 1.5,
        'float64_value': -2.25, 'int8_value': -128, 'uint8_value': 255, 'int16_value': -32768,
        'uint16_value': 65535, 'int32_value': -2**31, 'uint32_value': 2**32 - 1,
        'int64_value': -2**63, 'uint64_value': 2**64 - 1}),
    '/t/arrays': ('test_msgs/msg/Arrays', {
        'int32_values': [1, -2, 3], 'float64_values': [0.5, 1.5, -2.5],
        'string_values': ['a', 'bc', ''], 'bool_values': [True, False, True]}),
    '/t/sequences': ('test_msgs/msg/UnboundedSequences', {
        'int64_values': [2**62, -5], 'string_values': ['x', 'yz'],
        'basic_types_values': [{'int16_value': -7}]}),
}


TWINS = {'/t/image/foxglove/jpeg': 'sensor_msgs/msg/CompressedImage',
         '/t/image/foxglove/h264': 'foxglove_msgs/msg/CompressedVideo',
         '/t/cloud/foxglove/downsampled': 'sensor_msgs/msg/PointCloud2'}
"""The bridge's twins of /t/image and /t/cloud, decoded by the same npm packages."""


def same(expected, actual, path):
    """Compare a Python message (as JSON values) with the Node decoder's output."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            same(value, actual[key], f'{path}.{key}')
    elif isinstance(expected, list):
        assert len(expected) == len(actual), path
        for i, (e, a) in enumerate(zip(expected, actual)):
            same(e, a, f'{path}[{i}]')
    elif isinstance(expected, bool):
        assert actual is expected, path
    elif isinstance(expected, int):
        assert int(actual) == expected, path
    elif isinstance(expected, float):
        assert math.isclose(float(actual), expected, rel_tol=1e-6, abs_tol=1e-9), path
    else:
        assert actual == expected, path


SYSINFO = '/foxglove_bridge/sysinfo'
"""The C++ bridge's sysinfo channel: JSON with a JSON Schema."""


def check_sysinfo(sysinfo):
    """Check the sysinfo message has the C++ bridge's fields, with this host's figures."""
    value = sysinfo['value']
    assert sysinfo['schemaName'] == 'foxglove.SystemInfo'
    assert set(value) == {
        'process_memory', 'process_virtual_memory', 'process_cpu_percent', 'total_cpu_percent',
        'num_cpus', 'total_memory', 'used_memory', 'total_swap', 'used_swap', 'kernel_version',
        'os_version'}
    assert value['num_cpus'] == os.cpu_count()
    assert 0 < value['process_memory'] < value['process_virtual_memory']
    assert 0 < value['used_memory'] < value['total_memory']
    assert 0 <= value['total_cpu_percent'] <= 100
    # One process uses at most every CPU: a share counted in the wrong unit breaks this.
    assert 0 <= value['process_cpu_percent'] <= 100 * os.cpu_count()
    assert value['kernel_version'] == os.uname().release


def check_twins(values):
    """Check the twins as the app decodes them: a JPEG of the image's size, H.264, the cloud."""
    Image = pytest.importorskip('PIL.Image')
    jpeg = values['/t/image/foxglove/jpeg']
    assert jpeg['schemaName'] == TWINS['/t/image/foxglove/jpeg']
    same({'header': HEADER, 'format': 'jpeg'}, jpeg['value'], 'jpeg twin')
    picture = Image.open(io.BytesIO(bytes(jpeg['value']['data'])))
    assert (picture.format, picture.size) == ('JPEG', (3, 2))
    video = values['/t/image/foxglove/h264']
    assert video['schemaName'] == TWINS['/t/image/foxglove/h264']
    same({'timestamp': STAMP, 'frame_id': 'base_link', 'format': 'h264'}, video['value'],
         'video twin')
    assert bytes(video['value']['data'][:4]) == b'\0\0\0\1'  # Annex B, as the app decodes it
    cloud = values['/t/cloud/foxglove/downsampled']
    assert cloud['schemaName'] == TWINS['/t/cloud/foxglove/downsampled']
    same(MESSAGES['/t/cloud'][1], cloud['value'], 'cloud twin')  # 2 points: all kept


@pytest.fixture(scope='module')
def node_client():
    if shutil.which('node') is None or shutil.which('npm') is None:
        pytest.skip('Node.js (node and npm) is not installed')
    if not os.path.isdir(os.path.join(CLIENT, 'node_modules', '@foxglove')):
        subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=CLIENT, check=True,
                       capture_output=True, timeout=300)
    return os.path.join(CLIENT, 'client.js')


@pytest.mark.parametrize('subprotocol', ['foxglove.websocket.v1', 'foxglove.sdk.v1'])
def test_app_libraries_decode_what_the_bridge_sends(run_bridge, helper_node, node_client,
                                                    subprotocol):
    published = {}
    for topic, (type_name, value) in MESSAGES.items():
        message = message_from_json(import_message_type(type_name), value)
        publisher = helper_node.create_publisher(type(message), topic, 10)
        published[topic] = (publisher, message)
    timer = helper_node.create_timer(0.05, lambda: [p.publish(m) for p, m in published.values()])
    received = {'/from_node_cdr': [], '/from_node_json': []}
    for topic, messages in received.items():
        helper_node.create_subscription(String, topic, lambda m, got=messages: got.append(
            m.data), 10)
    bridge = run_bridge()
    result = subprocess.run(['node', node_client, bridge.url, subprotocol,
                             ','.join([*MESSAGES, *TWINS, SYSINFO]), str(min(8.0, TIMEOUT))],
                            capture_output=True, text=True, timeout=3 * TIMEOUT)
    helper_node.destroy_timer(timer)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{')]
    assert result.returncode == 0, result.stderr
    errors = [line for line in lines if 'error' in line or 'schemaError' in line
              or 'decodeError' in line]
    assert not errors, errors
    values = {line['topic']: line for line in lines if 'value' in line}
    assert set(values) == set(MESSAGES) | set(TWINS) | {SYSINFO}
    for topic, (publisher, message) in published.items():
        assert values[topic]['schemaName'] == MESSAGES[topic][0]
        same(message_to_json(message), values[topic]['value'], topic)
    check_twins(values)
    check_sysinfo(values[SYSINFO])
    wait_for(lambda: received['/from_node_cdr'] and received['/from_node_json'],
             what='the Node client publishing into ROS')
    assert received['/from_node_cdr'][0] == 'hello from MessageWriter'
    assert received['/from_node_json'][0] == 'hello as json'


@pytest.mark.parametrize('subprotocol', ['foxglove.websocket.v1', 'foxglove.sdk.v1'])
def test_the_app_client_connects_with_a_token_in_the_url(run_bridge, helper_node, node_client,
                                                         subprotocol, tmp_path):
    token = 'tok-' + subprotocol
    access = tmp_path / 'access.yaml'
    access.write_text(f'tokens:\n  - name: app\n    sha256: '
                      f'{hashlib.sha256(token.encode()).hexdigest()}\n    role: operator\n')
    access.chmod(0o600)
    publisher = helper_node.create_publisher(String, '/t/string', 10)
    timer = helper_node.create_timer(0.05, lambda: publisher.publish(String(data='hi')))
    received = []
    helper_node.create_subscription(String, '/from_node_cdr', lambda m: received.append(m.data),
                                    10)
    bridge = run_bridge(access_file=str(access))
    result = subprocess.run(['node', node_client, f'{bridge.url}/?token={token}', subprotocol,
                             '/t/string', str(min(4.0, TIMEOUT))],
                            capture_output=True, text=True, timeout=3 * TIMEOUT)
    helper_node.destroy_timer(timer)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{')]
    assert [line['value'] for line in lines if 'value' in line] == [{'data': 'hi'}]
    assert not [line for line in lines if 'error' in line]
    wait_for(lambda: received, what='the Node client publishing into ROS with its token')
    assert received[0] == 'hello from MessageWriter'
