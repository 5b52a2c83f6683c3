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
Demo data, so that a newcomer sees something in the app with one command.

Publishes a chatter string, a camera image, a point cloud, markers, an IMU, ``/clock`` when
``use_sim_time`` is set, and a small TF tree when tf2_msgs is installed. Without TF (tf2_msgs is
not among the PyPI wheels) the app's 3D panel cannot relate two frames ("Missing transform"),
so the cloud and the markers share one frame and a newcomer's first 3D view shows both.
"""

from __future__ import annotations

import math
import struct
import sys
import time
from typing import Optional

from geometry_msgs.msg import Quaternion, TransformStamped
import rclpy
from rclpy.clock import Clock as SystemClock
from rclpy.clock import ClockType
from rclpy.context import Context
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, Imu, PointCloud2, PointField
from std_msgs.msg import String
from visualization_msgs.msg import Marker, MarkerArray

try:
    from tf2_msgs.msg import TFMessage
except ImportError:  # tf2_msgs is not among the PyPI wheels
    TFMessage = None

CLOUD_FRAME = 'lidar' if TFMessage is not None else 'map'
"""The point cloud's frame: the lidar's in the TF tree, or the markers' frame without TF."""
MARKER_FRAME = 'map'
IMAGE_WIDTH = 320
IMAGE_HEIGHT = 240
CLOUD_POINTS = 2000


def _quaternion_from_yaw(yaw: float) -> Quaternion:
    return Quaternion(x=0.0, y=0.0, z=math.sin(yaw / 2), w=math.cos(yaw / 2))


class DemoPublisher(Node):
    """Publishes a few realistic topics."""

    def __init__(self, *, context: Optional[Context] = None) -> None:
        """
        Create the publishers and their timers.

        :param context: the rclpy context.
        """
        super().__init__('foxglove_bridge_demo', context=context)
        self._start = time.monotonic()
        self._count = 0
        self._chatter = self.create_publisher(String, 'chatter', 10)
        self._image = self.create_publisher(Image, 'camera/image_raw', 5)
        self._cloud = self.create_publisher(PointCloud2, 'points', 5)
        self._markers = self.create_publisher(MarkerArray, 'markers', 5)
        self._imu = self.create_publisher(Imu, 'imu', 50)
        # One image row of a wide rainbow; each frame is a window sliding along it.
        self._rainbow = bytes(
            int(127.5 * (1 + math.sin(2 * math.pi * x / IMAGE_WIDTH + phase)))
            for x in range(2 * IMAGE_WIDTH) for phase in (0.0, 2.1, 4.2))
        self.create_timer(0.5, self._publish_chatter)
        self.create_timer(0.1, self._publish_image)
        self.create_timer(0.1, self._publish_cloud)
        self.create_timer(0.5, self._publish_markers)
        self.create_timer(0.02, self._publish_imu)
        if self.get_parameter('use_sim_time').value:
            self._clock_publisher = self.create_publisher(Clock, '/clock', 10)
            # /clock itself must tick on a clock that does not wait for /clock.
            self.create_timer(0.01, self._publish_clock,
                              clock=SystemClock(clock_type=ClockType.STEADY_TIME))
        if TFMessage is not None:
            self._tf = self.create_publisher(TFMessage, '/tf', 10)
            self._tf_static = self.create_publisher(TFMessage, '/tf_static', QoSProfile(
                depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL))
            self._publish_tf_static()
            self.create_timer(0.05, self._publish_tf)

    def _elapsed(self) -> float:
        return time.monotonic() - self._start

    def _publish_clock(self) -> None:
        msg = Clock()
        nanoseconds = int(self._elapsed() * 1e9)
        msg.clock.sec, msg.clock.nanosec = divmod(nanoseconds, 1_000_000_000)
        self._clock_publisher.publish(msg)

    def _publish_chatter(self) -> None:
        self._count += 1
        self._chatter.publish(String(data=f'hello from foxglove_bridge_py #{self._count}'))

    def _publish_image(self) -> None:
        msg = Image()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = 'camera'
        msg.height, msg.width, msg.encoding = IMAGE_HEIGHT, IMAGE_WIDTH, 'rgb8'
        msg.step = 3 * IMAGE_WIDTH
        shift = int(self._elapsed() * 60) % IMAGE_WIDTH
        rows = []
        for y in range(IMAGE_HEIGHT):
            start = 3 * ((shift + y) % IMAGE_WIDTH)
            rows.append(self._rainbow[start:start + msg.step])
        msg.data = b''.join(rows)
        self._image.publish(msg)

    def _publish_cloud(self) -> None:
        t = self._elapsed()
        msg = PointCloud2()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = CLOUD_FRAME
        msg.height, msg.width = 1, CLOUD_POINTS
        msg.fields = [PointField(name=n, offset=4 * i, datatype=PointField.FLOAT32, count=1)
                      for i, n in enumerate(('x', 'y', 'z', 'intensity'))]
        msg.point_step, msg.row_step, msg.is_dense = 16, 16 * CLOUD_POINTS, True
        points = bytearray()
        for i in range(CLOUD_POINTS):
            angle = i * 0.05 + t
            radius = 1.0 + i / CLOUD_POINTS * 4.0
            points += struct.pack('<ffff', radius * math.cos(angle), radius * math.sin(angle),
                                  math.sin(i * 0.01 + t), i / CLOUD_POINTS)
        msg.data = bytes(points)
        self._cloud.publish(msg)

    def _publish_markers(self) -> None:
        t = self._elapsed()
        array = MarkerArray()
        for i in range(4):
            marker = Marker()
            marker.header.stamp = self.get_clock().now().to_msg()
            marker.header.frame_id = MARKER_FRAME
            marker.ns, marker.id, marker.type = 'demo', i, Marker.CUBE
            marker.pose.position.x = 2.0 * math.cos(t / 2 + i * math.pi / 2)
            marker.pose.position.y = 2.0 * math.sin(t / 2 + i * math.pi / 2)
            marker.pose.orientation = _quaternion_from_yaw(t + i)
            marker.scale.x = marker.scale.y = marker.scale.z = 0.5
            marker.color.r, marker.color.g, marker.color.b, marker.color.a = (
                (1.0, 0.3, 0.3, 1.0), (0.3, 1.0, 0.3, 1.0), (0.3, 0.3, 1.0, 1.0),
                (1.0, 1.0, 0.3, 1.0))[i]
            array.markers.append(marker)
        self._markers.publish(array)

    def _publish_imu(self) -> None:
        t = self._elapsed()
        msg = Imu()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = 'imu'
        msg.orientation = _quaternion_from_yaw(0.5 * math.sin(t))
        msg.angular_velocity.z = 0.5 * math.cos(t)
        msg.linear_acceleration.x = math.sin(2 * t)
        msg.linear_acceleration.z = 9.81
        self._imu.publish(msg)

    def _transform(self, parent: str, child: str, x: float, y: float, yaw: float
                   ) -> TransformStamped:
        transform = TransformStamped()
        transform.header.stamp = self.get_clock().now().to_msg()
        transform.header.frame_id, transform.child_frame_id = parent, child
        transform.transform.translation.x, transform.transform.translation.y = x, y
        transform.transform.rotation = _quaternion_from_yaw(yaw)
        return transform

    def _publish_tf_static(self) -> None:
        self._tf_static.publish(TFMessage(transforms=[
            self._transform('base_link', 'camera', 0.2, 0.0, 0.0),
            self._transform('base_link', 'lidar', 0.0, 0.0, 0.0),
            self._transform('base_link', 'imu', 0.0, 0.0, 0.0)]))

    def _publish_tf(self) -> None:
        t = self._elapsed()
        self._tf.publish(TFMessage(transforms=[
            self._transform('map', 'base_link', math.cos(t / 4), math.sin(t / 4), t / 4)]))


def main(args: Optional[list[str]] = None) -> int:
    """
    Publish the demo topics until interrupted.

    :param args: command-line arguments (``sys.argv`` if None).
    :return: the exit status.
    """
    rclpy.init(args=args)
    node = DemoPublisher()
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
