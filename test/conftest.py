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

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


def _domain_id():
    # One DDS domain per test process, so that parallel runs never see each other's topics.
    if 'FOXGLOVE_TEST_DOMAIN_ID' in os.environ:
        return int(os.environ['FOXGLOVE_TEST_DOMAIN_ID'])
    return 1 + os.getpid() % 100


@pytest.fixture
def domain_id():
    return _domain_id()


@pytest.fixture
def ros_context(domain_id):
    """Give each test a fresh rclpy Context on this process's own domain."""
    rclpy = pytest.importorskip('rclpy')
    from rclpy.context import Context

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    yield context
    context.try_shutdown()


@pytest.fixture
def helper_node(ros_context):
    """Give a test a node for publishers and subscribers, spun on its own thread."""
    import threading

    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    node = Node('test_helper', context=ros_context)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    yield node
    executor.shutdown(timeout_sec=2)
    thread.join(2)
    node.destroy_node()


@pytest.fixture
def ros_side(ros_context):
    """Give a test a node spun on its own thread, and calls run there (``ros_harness``)."""
    from ros_harness import RosSide

    side = RosSide(ros_context)
    yield side
    side.close()


@pytest.fixture
def run_bridge(ros_context):
    """Start bridges with the given parameters; all are stopped after the test."""
    from bridge_harness import RunningBridge

    bridges = []

    def start(**parameters):
        bridge = RunningBridge(ros_context, **parameters)
        bridges.append(bridge)
        return bridge

    yield start
    for bridge in bridges:
        bridge.stop()


@pytest.fixture
def start_process(domain_id):
    """Start the installed executable (``process_harness.Process``); killed at the end."""
    from process_harness import Process

    processes = []

    def start(*args, **kwargs):
        process = Process(domain_id, *args, **kwargs)
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.stop()
