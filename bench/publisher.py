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

"""Publish one benchmark stream (on each of its topics) for a while, stamped; report the count."""

import argparse
import os
import time

from common import now_ns, report, stream_topics, STREAMS
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image, PointCloud2, PointField
from std_msgs.msg import String


def make_message(stream):
    type_name, size, _ = STREAMS[stream]
    if type_name == 'std_msgs/msg/String':
        return String, None
    if type_name == 'sensor_msgs/msg/Image':
        width = 1024
        # Noise, like a real camera's low bits: it does not compress away under deflate.
        message = Image(height=size // (width * 4), width=width, encoding='rgba8',
                        step=width * 4, data=os.urandom(size))
        return Image, message
    message = PointCloud2(height=1, width=size // 16, point_step=16, row_step=size,
                          is_dense=True, data=os.urandom(size))
    message.fields = [PointField(name=n, offset=4 * i, datatype=PointField.FLOAT32, count=1)
                      for i, n in enumerate('xyzi')]
    return PointCloud2, message


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('stream', choices=sorted(STREAMS))
    parser.add_argument('seconds', type=float)
    parser.add_argument('--wait-subscribers', type=int, default=1)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node('bench_publisher')
    msg_type, message = make_message(args.stream)
    qos = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
    publishers = [node.create_publisher(msg_type, topic, qos)
                  for topic in stream_topics(args.stream)]
    deadline = time.monotonic() + 30
    while min(p.get_subscription_count() for p in publishers) < args.wait_subscribers:
        if time.monotonic() > deadline:
            raise SystemExit('no subscriber matched')
        time.sleep(0.01)
    report({'ready': True})
    time.sleep(1.0)  # let the receivers' other ends (WebSocket subscriptions) settle
    rate = STREAMS[args.stream][2]
    period = 1.0 / rate if rate else 0.0
    count = 0
    start = time.monotonic()
    next_time = start
    padding = 'x' * 44
    refused = 0
    while time.monotonic() - start < args.seconds:
        stamp = now_ns()
        if message is None:
            outgoing = String(data=f'{stamp:020d}{padding}')
        else:
            stamp_fields = divmod(stamp, 1_000_000_000)
            message.header.stamp.sec, message.header.stamp.nanosec = stamp_fields
            outgoing = message
        for publisher in publishers:
            try:
                publisher.publish(outgoing)
            except Exception:  # noqa: B902 - rclpy raises RCLError
                # Fast DDS refuses a reliable write that waited too long for a slow reader (as
                # fast as possible on a busy machine): that message is not sent, the run goes on.
                refused += 1
                continue
            count += 1
        if period:
            next_time += period
            delay = next_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    report({'published': count, 'refused': refused, 'seconds': time.monotonic() - start})
    node.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
