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
Publish a big lidar-like PointCloud2 (x, y, z, intensity float32) on ``/bench/lidar``.

The header stamp is the monotonic time, the frame_id the sequence number. Runs until killed.

    python cloud_publisher.py POINTS HZ
"""

import argparse
import time

from common import report, spin_until_interrupted
import numpy
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from sensor_msgs.msg import PointCloud2, PointField


def lidar_points(count):
    """Points on rings around the sensor, as a spinning lidar sees a room: float32 x y z i."""
    rng = numpy.random.default_rng(3)
    angle = numpy.linspace(0, 2 * numpy.pi, count, dtype=numpy.float32)
    ring = numpy.arange(count) % 128
    distance = 4 + 3 * numpy.sin(angle * 5) + rng.normal(0, 0.02, count)
    points = numpy.stack([distance * numpy.cos(angle), distance * numpy.sin(angle),
                          (ring - 64) * 0.02 * distance, rng.uniform(0, 100, count)],
                         axis=1).astype('<f4')
    return points.tobytes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('points', type=int)
    parser.add_argument('hz', type=float)
    args = parser.parse_args()
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node('bench_lidar')
    publisher = node.create_publisher(PointCloud2, '/bench/lidar', QoSProfile(
        depth=2, reliability=ReliabilityPolicy.RELIABLE))
    cloud = PointCloud2(height=1, width=args.points, point_step=16, row_step=16 * args.points,
                        is_dense=True, data=lidar_points(args.points))
    cloud.fields = [PointField(name=n, offset=4 * i, datatype=PointField.FLOAT32, count=1)
                    for i, n in enumerate(('x', 'y', 'z', 'intensity'))]
    sent = [0]

    def publish():
        sent[0] += 1
        cloud.header.stamp.sec, cloud.header.stamp.nanosec = divmod(time.monotonic_ns(),
                                                                    1_000_000_000)
        cloud.header.frame_id = str(sent[0])
        publisher.publish(cloud)

    node.create_timer(1.0 / args.hz, publish)
    spin_until_interrupted(node)
    report({'clouds_sent': sent[0]})
    node.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
