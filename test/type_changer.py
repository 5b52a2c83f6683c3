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
A node in its own process publishing a String or an Int32 every 50 ms until stdin closes.

Run one with String, stop it and run one with Int32 on the same topic: a node restarted with
a new message type. Prints ``ready`` once started.
"""

import sys
import threading

import rclpy
from std_msgs.msg import Int32, String


def main():
    topic, type_name = sys.argv[1], sys.argv[2]
    rclpy.init()
    node = rclpy.create_node('type_changer')
    if type_name == 'String':
        publisher, message = node.create_publisher(String, topic, 10), String(data='text')
    else:
        publisher, message = node.create_publisher(Int32, topic, 10), Int32(data=42)
    node.create_timer(0.05, lambda: publisher.publish(message))

    def wait_for_eof():
        sys.stdin.read()
        rclpy.shutdown()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    print('ready', flush=True)
    try:
        rclpy.spin(node)
    except Exception:  # noqa: B902 - shut down from the stdin thread
        pass


if __name__ == '__main__':
    main()
