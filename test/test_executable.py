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

"""The installed executable, started exactly as ``ros2 run`` starts it."""

import asyncio
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

from bridge_harness import Client, TIMEOUT, wait_for
import pytest

pytest.importorskip('rclpy')

from std_msgs.msg import String  # noqa: E402
import websockets  # noqa: E402


def test_ros2_run_with_port_0_and_whitelist(start_process, helper_node):
    process = start_process('--ros-args', '-p', 'port:=0', '-p',
                            "topic_whitelist:=['/chatter']")
    port = process.port()
    chatter = helper_node.create_publisher(String, '/chatter', 10)
    helper_node.create_publisher(String, '/other', 10)

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}')
        channel = await client.channel_for('/chatter')
        await client.quiet(1.0)
        # The bridge's own sysinfo channel is not a ROS topic: the whitelist leaves it be.
        assert [c['topic'] for c in client.channels.values()] == [
            '/foxglove_bridge/sysinfo', '/chatter']
        await client.subscribe(0, channel['id'])
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            chatter.publish(String(data='hello world'))
            frames = [f for f in await client.quiet(0.2) if isinstance(f, bytes)]
            if frames:
                break
        assert frames and frames[0][13:].endswith(b'hello world\x00')
        # SIGTERM, as ros2 launch sends it: clients are closed with 1001, the process ends.
        started = time.monotonic()
        process.process.send_signal(signal.SIGTERM)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await client.recv(timeout=TIMEOUT)
        code = getattr(closed.value, 'code', None)
        if code is None:
            code = closed.value.rcvd.code
        assert code == 1001
        assert process.process.wait(TIMEOUT) == 0
        assert time.monotonic() - started < 2.0

    asyncio.run(scenario())
    assert 'Traceback' not in process.output()


@pytest.mark.parametrize('use_sim_time', [False, True])
def test_demo_flag_publishes_demo_topics(start_process, use_sim_time):
    process = start_process('--demo', '--ros-args', '-p', 'port:=0', '-p',
                            f'use_sim_time:={str(use_sim_time).lower()}')
    port = process.port()
    expected = {'/chatter': 'std_msgs/msg/String', '/camera/image_raw': 'sensor_msgs/msg/Image',
                '/points': 'sensor_msgs/msg/PointCloud2',
                '/markers': 'visualization_msgs/msg/MarkerArray', '/imu': 'sensor_msgs/msg/Imu'}

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}')
        channels = {topic: await client.channel_for(topic) for topic in expected}
        assert {t: c['schemaName'] for t, c in channels.items()} == expected
        await client.subscribe(5, channels['/camera/image_raw']['id'])
        frame = await client.expect_binary()
        while frame[0] == 2:  # Time messages, with use_sim_time
            frame = await client.expect_binary()
        assert frame[:5] == b'\x01\x05\x00\x00\x00'
        assert len(frame) > 320 * 240 * 3
        (log_time,) = struct.unpack_from('<Q', frame, 5)
        if use_sim_time:
            # Log times follow the demo's /clock, which starts at zero, not the wall clock.
            assert (await client.channel_for('/clock'))['schemaName'] == \
                'rosgraph_msgs/msg/Clock'
            assert log_time < 3600 * 10**9
        else:
            assert abs(log_time - time.time_ns()) < 60 * 10**9
        await client.close()

    asyncio.run(scenario())


def test_empty_list_parameter_from_the_command_line(start_process):
    process = start_process('--ros-args', '-p', 'port:=0', '-p', 'capabilities:=[]')
    port = process.port()

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}')
        assert client.server_info['capabilities'] == []
        await client.close()

    asyncio.run(scenario())


def test_unknown_capability_is_a_startup_warning(start_process):
    process = start_process('--ros-args', '-p', 'port:=0', '-p',
                            "capabilities:=['clientPublish', 'teleport']")
    process.port()
    assert "unknown capability 'teleport' ignored" in process.output()


@pytest.mark.parametrize('args, message', [
    (['-p', "topic_whitelist:=['(bad']"],
     "parameter topic_whitelist: invalid regular expression '(bad'"),
    (['-p', 'port:=99999'], 'parameter port'),
    (['-p', 'tls:=true', '-p', 'certfile:=/no/such/cert.pem', '-p', 'keyfile:=/no/key.pem'],
     "parameter certfile: file '/no/such/cert.pem' does not exist"),
    (['-p', 'playback_file:=/no/such/run.mcap'],
     'parameter playback_file: /no/such/run.mcap: no such file or folder'),
])
def test_bad_parameters_fail_fast_with_a_message(start_process, args, message):
    process = start_process('--ros-args', *args)
    assert process.process.wait(TIMEOUT) == 1
    output = process.output()
    assert message in output
    assert 'Traceback' not in output


def test_port_in_use_fails_with_a_message(start_process):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start_process('--ros-args', '-p', f'port:={port}', '-p', 'address:=127.0.0.1')
        assert process.process.wait(TIMEOUT) == 1
    output = process.output()
    assert 'foxglove_bridge: error: cannot serve' in output
    assert 'Traceback' not in output


@pytest.fixture
def certificate(tmp_path):
    if shutil.which('openssl') is None:
        pytest.skip('openssl is not installed')
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
                    '-keyout', str(key), '-out', str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def test_tls_end_to_end(run_bridge, certificate):
    cert, key = certificate
    bridge = run_bridge(tls=True, certfile=cert, keyfile=key)
    context = ssl.create_default_context(cafile=cert)

    async def scenario():
        client = await Client.connect(f'wss://127.0.0.1:{bridge.port}', ssl=context)
        assert client.server_info['op'] == 'serverInfo'
        await client.close()

    asyncio.run(scenario())


def test_burst_from_the_app_reaches_a_slow_subscriber_in_another_process(run_bridge, domain_id):
    count = 1000
    bridge = run_bridge()
    env = dict(os.environ, ROS_DOMAIN_ID=str(domain_id))
    subscriber = subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(__file__), 'slow_subscriber.py'),
         '/burst', str(count), str(3 * TIMEOUT)], stdout=subprocess.PIPE, text=True, env=env)

    def matched():
        publishers = bridge.node.get_publishers_info_by_topic('/burst')
        subscribers = bridge.node.get_subscriptions_info_by_topic('/burst')
        return len(publishers) == 1 and len(subscribers) == 1

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send({'op': 'advertise', 'channels': [{
            'id': 1, 'topic': '/burst', 'encoding': 'json', 'schemaName': 'std_msgs/msg/String'}]})
        wait_for(lambda: bridge.call(matched), what='the publisher and the subscriber to match')
        for index in range(count):
            await client.send(struct.pack('<BI', 1, 1) + f'{{"data": "{index}"}}'.encode())
        # The client stays connected (its publisher alive) until the subscriber reports.
        received = await asyncio.get_running_loop().run_in_executor(
            None, subscriber.stdout.readline)
        await client.close()
        return received.split()

    try:
        assert subscriber.stdout.readline().strip() == 'ready'
        assert asyncio.run(scenario()) == [str(i) for i in range(count)]
    finally:
        subscriber.kill()
        subscriber.wait()


def test_server_info_names_the_distro_without_ros_distro_set(start_process):
    expected = os.environ.get('ROS_DISTRO')
    if not expected:
        pytest.skip('ROS_DISTRO is not set here to compare with')
    process = start_process('--ros-args', '-p', 'port:=0', unset=('ROS_DISTRO',))
    port = process.port()

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}')
        assert client.server_info['metadata']['ROS_DISTRO'] == expected
        await client.close()

    asyncio.run(scenario())


def test_shutdown_within_two_seconds_whatever_the_clients_do(start_process, helper_node):
    from sensor_msgs.msg import Image

    process = start_process('--ros-args', '-p', 'port:=0')
    port = process.port()
    publisher = helper_node.create_publisher(Image, '/camera/shutdown', 10)
    image = Image(height=100, width=1000, encoding='rgb8', step=3000, data=bytes(300_000))
    stop = threading.Event()

    def publish():
        while not stop.is_set():
            publisher.publish(image)
            stop.wait(0.02)

    async def scenario():
        stalled = []
        for subscription in range(3):
            client = await Client.connect(f'ws://127.0.0.1:{port}')
            channel = await client.channel_for('/camera/shutdown')
            await client.subscribe(1, channel['id'])
            stalled.append(client)
        healthy = await Client.connect(f'ws://127.0.0.1:{port}')
        thread = threading.Thread(target=publish, daemon=True)
        thread.start()
        try:
            for client in stalled:
                await client.expect_binary()
                client.ws.transport.pause_reading()
            await asyncio.sleep(1.0)  # their socket buffers and queues fill up
            started = time.monotonic()
            process.process.send_signal(signal.SIGINT)
            assert await asyncio.get_running_loop().run_in_executor(
                None, process.process.wait, TIMEOUT) == 0
            elapsed = time.monotonic() - started
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await healthy.recv(timeout=TIMEOUT)
            code = getattr(closed.value, 'code', None) or closed.value.rcvd.code
            assert code == 1001
        finally:
            stop.set()
            thread.join(TIMEOUT)
            for client in stalled:
                client.ws.transport.abort()
        return elapsed

    assert asyncio.run(scenario()) < 2.0
    assert 'Traceback' not in process.output()


def test_without_pillow_image_twins_are_off_with_one_warning_and_the_bridge_runs(
        start_process, helper_node, tmp_path):
    from sensor_msgs.msg import Image, PointCloud2

    # Pillow hidden from the bridge's process, as if it were not installed.
    (tmp_path / 'sitecustomize.py').write_text("import sys\nsys.modules['PIL'] = None\n")
    path = os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')])
    process = start_process('--ros-args', '-p', 'port:=0', extra_env={'PYTHONPATH': path})
    port = process.port()
    helper_node.create_publisher(Image, '/cam/image_raw', 10)
    helper_node.create_publisher(PointCloud2, '/lidar/points', 10)

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}')
        await client.channel_for('/lidar/points/foxglove/downsampled')
        await client.channel_for('/cam/image_raw')
        await client.quiet(0.6)
        topics = {c['topic'] for c in client.channels.values()}
        await client.close()
        return topics

    topics = asyncio.run(scenario())
    assert '/cam/image_raw/foxglove/jpeg' not in topics
    warnings = [line for line in process.output().splitlines() if 'twins are off' in line]
    assert len(warnings) == 1, process.output()
    assert warnings[0].endswith('image twins are off: PIL is not installed; install python3-pil '
                                'and python3-numpy (pip install pillow numpy)')


def test_a_launch_for_the_cpp_bridge_starts_it_and_a_typo_is_named(start_process):
    # Parameters of the C++ bridge 3.5 that this one has no use for are accepted and named
    # once; a misspelt one gets a warning with the closest name, instead of silence.
    process = start_process('--ros-args', '-p', 'port:=0', '-p', 'remote_access:=false', '-p',
                            'message_backlog_size:=512', '-p',
                            'point_cloud_compression_quantization_bits:=12', '-p',
                            "topic_whitelst:=['/odom']")
    process.port()
    output = process.output()
    assert output.count('parameters accepted, not used by this bridge: remote_access, '
                        'point_cloud_compression_quantization_bits') == 1
    assert output.count('parameter topic_whitelst: not a parameter of this bridge, ignored (did '
                        'you mean topic_whitelist?)') == 1
    assert 'message_backlog_size' not in output
