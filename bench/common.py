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

"""Shared by the benchmark's processes: streams, stamps and latency arithmetic."""

import json
import struct
import sys
import time

# Each stream: message type, payload bytes, rate in Hz per topic (0: as fast as possible).
STREAMS = {
    'small': ('std_msgs/msg/String', 64, 0),
    'image': ('sensor_msgs/msg/Image', 1024 * 1024, 30),
    'cloud': ('sensor_msgs/msg/PointCloud2', 2 * 1024 * 1024, 10),
    'mix': ('std_msgs/msg/String', 64, 100),
}
TOPIC = '/bench/stream'
MIX_TOPICS = 50
"""Topics of the 'mix' stream, like a robot's TF, IMU and joint states: 5k messages/s."""


def stream_topics(stream):
    """
    Name the topics a stream is published on.

    :param stream: a key of STREAMS.
    :return: ``[TOPIC]``, or the mix's topics.
    """
    if stream == 'mix':
        return [f'{TOPIC}/mix_{i:02d}' for i in range(MIX_TOPICS)]
    return [TOPIC]


def receiver_qos():
    """
    Return the QoS every receiver subscribes with: what the bridge chooses for one publisher.

    The ceiling and the SDK forwarder then hold the same history as the bridge, so that the
    comparison is of forwarding work, not of queue depth.
    """
    from foxglove_bridge_py.config import PARAMETER_DEFAULTS
    from foxglove_bridge_py.ros_rules.qos import choose_qos, PublisherQos
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    choice = choose_qos([PublisherQos(reliable=True, transient_local=False, depth=0)],
                        min_depth=PARAMETER_DEFAULTS['min_qos_depth'],
                        max_depth=PARAMETER_DEFAULTS['max_qos_depth'])
    return QoSProfile(depth=choice.depth, reliability=ReliabilityPolicy.RELIABLE)


STAMP = struct.Struct('<iI')


def stamp_ns(payload) -> int:
    """
    Read the publisher's monotonic stamp from a CDR payload.

    Image and PointCloud2 carry it in header.stamp (offset 4 after the encapsulation);
    String carries it as the first 20 digits of its data (offset 8, after the length).

    :param payload: the CDR bytes.
    :return: nanoseconds on the publisher's monotonic clock.
    """
    length = struct.unpack_from('<I', payload, 4)[0]
    if length >= 20 and payload[8:28].isdigit():
        return int(payload[8:28])
    sec, nanosec = STAMP.unpack_from(payload, 4)
    return sec * 1_000_000_000 + nanosec


def percentile(values, fraction):
    """
    Return a percentile of a list of numbers (nearest rank).

    :param values: the numbers.
    :param fraction: 0.5 for the median, 0.99 for p99.
    :return: the value, or None for an empty list.
    """
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(latencies_ns, count, nbytes, seconds):
    """
    Summarize what one receiver got.

    :param latencies_ns: end-to-end latencies in nanoseconds.
    :param count: messages received.
    :param nbytes: payload bytes received.
    :param seconds: the measured window.
    :return: a dict of figures.
    """
    p50, p99 = percentile(latencies_ns, 0.5), percentile(latencies_ns, 0.99)
    return {'messages': count, 'bytes': nbytes, 'seconds': seconds,
            'p50_ms': None if p50 is None else p50 / 1e6,
            'p99_ms': None if p99 is None else p99 / 1e6}


def report(result):
    """Print one JSON line on stdout, the way every benchmark process reports."""
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()


def spin_until_interrupted(node):
    """
    Report ready, then spin a publisher's node until SIGINT; the caller reports what it sent.

    :param node: the node, its timers created.
    """
    import signal

    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

    executor = SingleThreadedExecutor()
    executor.add_node(node)
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    report({'ready': True})
    try:
        while not stop:
            executor.spin_once(timeout_sec=0.1)
    except ExternalShutdownException:
        pass


def fmt(value, digits=0):
    """Format a figure for a results table: thousands separated, '-' for none."""
    return '-' if value is None else f'{value:,.{digits}f}'


def now_ns():
    return time.monotonic_ns()


async def frames_for(ws, seconds):
    """
    Yield the frames a WebSocket receives for a while.

    :param ws: a websockets connection.
    :param seconds: how long to listen.
    :return: an async iterator of frames (bytes or str).
    """
    import asyncio

    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            yield await asyncio.wait_for(ws.recv(), remaining)
        except asyncio.TimeoutError:
            return
