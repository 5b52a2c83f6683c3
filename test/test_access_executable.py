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

"""Access control in the installed executables: make_token, and a bridge run with its file."""

import asyncio
import os
import re
import signal
import subprocess

from bridge_harness import (call_frame, Client, expect_service_answer, service_named, TIMEOUT,
                            wait_for)
from http_harness import http_get, UPGRADE_HEADERS
from process_harness import executable
import pytest

pytest.importorskip('rclpy')

from rcl_interfaces.msg import ParameterDescriptor  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402


def make_token(*args):
    path = os.path.join(os.path.dirname(executable()), 'make_token')
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=TIMEOUT)


def new_token(name, role):
    made = make_token(name, role)
    assert made.returncode == 0, made.stderr
    token = re.search(r'^  (\S+)$', made.stdout, re.M).group(1)
    entry = made.stdout[made.stdout.index('  - name:'):]
    return token, entry


def test_make_token_prints_a_fresh_token_once_and_its_entry():
    made = make_token('field-laptop', 'operator')
    assert made.returncode == 0, made.stderr
    token = re.search(r'^  (\S+)$', made.stdout, re.M).group(1)
    assert len(token) >= 43 and made.stdout.count(token) == 3  # the token, the URL, the header
    import hashlib
    assert made.stdout.endswith(
        f'  - name: field-laptop\n    sha256: {hashlib.sha256(token.encode()).hexdigest()}\n'
        '    role: operator\n')
    assert new_token('field-laptop', 'operator')[0] != token
    refused = make_token('field laptop', 'admin')
    assert refused.returncode == 2 and "invalid choice: 'admin'" in refused.stderr
    refused = make_token('"quoted"', 'viewer')
    assert refused.returncode == 2 and 'start with a letter or digit' in refused.stderr


def test_the_installed_bridge_logs_who_did_what_by_name_and_never_a_token(
        start_process, helper_node, tmp_path):  # noqa: F811
    token, entry = new_token('robot-op', 'operator')
    access = tmp_path / 'access.yaml'
    access.write_text('anonymous: none\ntokens:\n' + entry)
    os.chmod(access, 0o600)
    helper_node.create_service(Trigger, '/reset_odometry', lambda request, response: response)
    helper_node.declare_parameter('max_speed', 1.0, ParameterDescriptor(dynamic_typing=True))
    process = start_process('--ros-args', '-p', 'port:=0', '-p', f'access_file:={access}')
    port = process.port()
    assert http_get(port, f'/?token={token}x', UPGRADE_HEADERS)[0] == 401
    assert http_get(port, f'/status?token={token}')[0] == 200

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}/?token={token}', 'foxglove.sdk.v1')
        await client.send({'op': 'advertise', 'channels': [{
            'id': 1, 'topic': '/cmd', 'encoding': 'json', 'schemaName': 'std_msgs/msg/String'}]})
        service = await service_named(client, '/reset_odometry')
        await client.send(call_frame(service['id'], 1, 'cdr', b'\x00\x01\x00\x00\x00'))
        assert isinstance(await expect_service_answer(client), bytes)
        await client.send({'op': 'setParameters', 'parameters': [
            {'name': '/test_helper.max_speed', 'value': 2.5}]})
        wait_for(lambda: helper_node.get_parameter('max_speed').value == 2.5,
                 what='the parameter set')
        await client.close()

    asyncio.run(scenario())
    wait_for(lambda: 'disconnected' in process.output(), what='the disconnect line')
    process.process.send_signal(signal.SIGINT)
    assert process.process.wait(TIMEOUT) == 0
    output = process.output()
    assert token not in output
    assert 'Traceback' not in output and 'no access_file' not in output
    for line in (r'client 127\.0\.0\.1:\d+ connected \(foxglove\.sdk\.v1\) as token "robot-op" '
                 r'\(operator\)',
                 r'audit: token "robot-op" \(operator, 127\.0\.0\.1:\d+\) advertised /cmd '
                 r'\(std_msgs/msg/String, json\) for publishing',
                 r'audit: token "robot-op" \(operator, 127\.0\.0\.1:\d+\) called service '
                 r'/reset_odometry \(std_srvs/srv/Trigger\)',
                 r'audit: token "robot-op" \(operator, 127\.0\.0\.1:\d+\) set parameters '
                 r'/test_helper\.max_speed'):
        assert re.search(line, output), (line, output)


@pytest.mark.parametrize('address, warned', [('0.0.0.0', True), ('127.0.0.1', False)])
def test_an_open_port_is_a_start_up_warning(start_process, address, warned):  # noqa: F811
    process = start_process('--ros-args', '-p', 'port:=0', '-p', f'address:={address}')
    process.port()
    # Stopped, so that every start-up line is in the output, the one looked for or not.
    process.process.send_signal(signal.SIGINT)
    assert process.process.wait(TIMEOUT) == 0
    warnings = [line for line in process.output().splitlines() if 'no access_file' in line]
    if warned:
        assert len(warnings) == 1
        assert warnings[0].endswith(
            'can publish, call services and set parameters on this robot. Turn access control '
            'on with -p access_file:=<file> (tokens made by "ros2 run foxglove_bridge_py '
            'make_token NAME ROLE"), or listen on 127.0.0.1 and reach it through an SSH tunnel')
    else:
        assert warnings == []


def test_a_world_readable_file_with_a_plain_token_stops_the_bridge(
        start_process, tmp_path):  # noqa: F811
    access = tmp_path / 'access.yaml'
    access.write_text('tokens:\n  - name: dev\n    token: hunter2\n    role: operator\n')
    os.chmod(access, 0o644)
    process = start_process('--ros-args', '-p', 'port:=0', '-p', f'access_file:={access}')
    assert process.process.wait(TIMEOUT) == 1
    lines = process.output().splitlines()
    assert lines[-1] == (
        f"foxglove_bridge: error: parameter access_file: access file '{access}': line 3: "
        '"dev" has a plain "token:" in a file that every user of this machine can read: give '
        'its "sha256:" instead (make_token prints it), or make the file private (chmod 600)')
    assert 'hunter2' not in process.output()
