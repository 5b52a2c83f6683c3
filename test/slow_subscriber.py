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

"""A deliberately slow, reliable subscriber in its own process; prints what it received."""

import sys
import time

import rclpy
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import String


def main():
    topic, expected, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rclpy.init()
    node = rclpy.create_node('slow_subscriber')
    received = []
    node.create_subscription(String, topic, lambda m: received.append(m.data), QoSProfile(
        history=HistoryPolicy.KEEP_ALL, reliability=ReliabilityPolicy.RELIABLE))
    print('ready', flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(received) < expected:
        rclpy.spin_once(node, timeout_sec=0.1)
        time.sleep(0.001)  # slower than the sender, so the bridge's publisher must keep up
    print(' '.join(received), flush=True)
    node.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
