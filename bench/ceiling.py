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

"""The ceiling: a plain rclpy raw subscriber on the bridge's executor; what rclpy delivers."""

import argparse
import time

from common import now_ns, receiver_qos, report, stamp_ns, stream_topics, STREAMS, summary
from foxglove_bridge_py.malloc_reuse import keep_freed_buffers_for_reuse
from foxglove_bridge_py.ros.distro import make_executor
from foxglove_bridge_py.ros.schema import import_message_type
import rclpy
from rclpy.task import Future


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('stream', choices=sorted(STREAMS))
    parser.add_argument('seconds', type=float)
    parser.add_argument('--malloc-reuse', action='store_true',
                        help="the bridge's allocator settings (see malloc_reuse.py)")
    args = parser.parse_args()
    if args.malloc_reuse:
        keep_freed_buffers_for_reuse()
    rclpy.init()
    node = rclpy.create_node('bench_ceiling')
    latencies, totals = [], [0, 0]

    first = []

    def on_message(data):
        latencies.append(now_ns() - stamp_ns(data))
        totals[0] += 1
        totals[1] += len(data)
        if not first:
            first.append(time.monotonic())

    msg_type = import_message_type(STREAMS[args.stream][0])
    for topic in stream_topics(args.stream):
        node.create_subscription(msg_type, topic, on_message, receiver_qos(), raw=True)
    executor = make_executor(node.context)  # the bridge's own choice of executor
    executor.add_node(node)
    report({'ready': True})
    # Spun as the bridge spins (threads.Threads._spin): until a future, so that no Python of
    # ours runs between two messages.
    never = Future()
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        executor.spin_until_future_complete(never, min(0.5, deadline - time.monotonic()))
    report(summary(latencies, totals[0], totals[1],
                   time.monotonic() - (first[0] if first else time.monotonic())))
    node.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
