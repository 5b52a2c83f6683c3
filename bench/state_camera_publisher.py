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
Publish a 20 Hz state topic and an rgb8 camera, each message stamped, until killed.

``/bench/state`` is a std_msgs/String ``"<sequence:010d> <monotonic ns:020d>"``;
``/bench/camera`` a sensor_msgs/Image with the monotonic time in ``header.stamp`` and the
sequence number in ``header.frame_id``. On SIGINT it prints every state message's sequence
and stamp as one JSON line, so that delivery can be counted exactly.

    python state_camera_publisher.py WIDTH HEIGHT CAMERA_HZ [--scene textured]
"""

import argparse
import os
import time

from common import report, spin_until_interrupted
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
import scene as scenes
from sensor_msgs.msg import Image
from std_msgs.msg import String

STATE_HZ = 20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('width', type=int)
    parser.add_argument('height', type=int)
    parser.add_argument('camera_hz', type=float)
    parser.add_argument('--only', choices=('state', 'camera'),
                        help='publish one of the two (run two processes, as two nodes would)')
    parser.add_argument('--scene', choices=('noise', 'textured'), default='noise',
                        help='random bytes (incompressible), or a panning textured scene')
    args = parser.parse_args()
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node(f'bench_{args.only or "state_camera"}')
    qos = QoSProfile(depth=5, reliability=ReliabilityPolicy.RELIABLE)
    state_publisher = node.create_publisher(String, '/bench/state', qos)
    camera_publisher = node.create_publisher(Image, '/bench/camera', qos)
    image = Image(height=args.height, width=args.width, encoding='rgb8', step=args.width * 3,
                  data=os.urandom(args.width * args.height * 3))
    scene = None
    if args.scene == 'textured' and args.only != 'state':
        scene = scenes.panorama(args.width, args.height)
    sent = []
    counters = {'state': 0, 'camera': 0}

    def publish_state():
        counters['state'] += 1
        stamp = time.monotonic_ns()
        state_publisher.publish(String(data=f'{counters["state"]:010d} {stamp:020d}'))
        sent.append((counters['state'], stamp))

    def publish_camera():
        counters['camera'] += 1
        image.header.stamp.sec, image.header.stamp.nanosec = divmod(time.monotonic_ns(),
                                                                    1_000_000_000)
        image.header.frame_id = str(counters['camera'])
        if scene is not None:
            image.data = scenes.frame(scene, counters['camera'], args.width)
        camera_publisher.publish(image)

    if args.only != 'camera':
        node.create_timer(1.0 / STATE_HZ, publish_state)
    if args.only != 'state':
        node.create_timer(1.0 / args.camera_hz, publish_camera)
    spin_until_interrupted(node)
    report({'state_sent': sent, 'camera_sent': counters['camera']})
    node.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
