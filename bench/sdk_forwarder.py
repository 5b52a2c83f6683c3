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

"""What a Python user would build instead: rclpy raw messages fed to the foxglove-sdk server."""

import argparse
import time

from common import receiver_qos, stream_topics, STREAMS
import foxglove
from foxglove_bridge_py.ros.distro import make_executor
from foxglove_bridge_py.ros.schema import (ament_interface_reader, DefinitionBuilder,
                                           import_message_type)
import rclpy
from rclpy.task import Future


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('stream', choices=sorted(STREAMS))
    parser.add_argument('port', type=int)
    args = parser.parse_args()
    type_name = STREAMS[args.stream][0]
    server = foxglove.start_server(host='127.0.0.1', port=args.port)
    definition = DefinitionBuilder(ament_interface_reader()).get(type_name)
    schema = foxglove.Schema(name=type_name, encoding='ros2msg', data=definition.text.encode())
    rclpy.init()
    node = rclpy.create_node('bench_sdk_forwarder')
    msg_type = import_message_type(type_name)
    for topic in stream_topics(args.stream):
        log = foxglove.Channel(topic, message_encoding='cdr', schema=schema).log

        def on_message(data, log=log):
            log(data, log_time=time.time_ns())

        node.create_subscription(msg_type, topic, on_message, receiver_qos(), raw=True)
    executor = make_executor(node.context)  # the same executor as the bridge
    executor.add_node(node)
    print(f'listening on {server.port}', flush=True)
    never = Future()  # spun as the bridge spins: see ceiling.py
    try:
        while rclpy.ok():
            executor.spin_until_future_complete(never, 0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == '__main__':
    main()
