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

"""Put many topics on the graph (one publisher each) until killed."""

import argparse
import time

from common import report
import rclpy
from std_msgs.msg import String


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('count', type=int)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node('bench_many_topics')
    publishers = [node.create_publisher(String, f'/bench/many/topic_{i}', 1)
                  for i in range(args.count)]
    deadline = time.monotonic() + 30
    while len(node.get_topic_names_and_types()) < args.count and time.monotonic() < deadline:
        time.sleep(0.05)
    report({'ready': True, 'publishers': len(publishers)})
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
