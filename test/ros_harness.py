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
The ROS side, tested alone: a real rclpy node spun on its own thread, no WebSocket, no loop.

A module of ``foxglove_bridge_py/ros/`` is used on the executor thread only; these tests build it
on a node that an executor spins, call it there (``on_ros``), and collect what it reports.
"""

import queue
import threading

from bridge_harness import TIMEOUT, wait_for


class RosSide:
    """A node spun on its own thread, and a way to run calls on that thread."""

    def __init__(self, context, name='ros_side_test'):
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.node import Node

        self.node = Node(name, context=context)
        self._executor = SingleThreadedExecutor(context=context)
        self._executor.add_node(self.node)
        self._thread = threading.Thread(target=self._executor.spin, daemon=True)
        self._thread.start()

    def on_ros(self, function, *args):
        """Run ``function(*args)`` on the executor thread and return its result."""
        done = queue.Queue()

        def run():
            try:
                done.put((function(*args), None))
            except Exception as exc:  # noqa: B902 - re-raised on the test thread
                done.put((None, exc))

        self._executor.create_task(run)
        result, error = done.get(timeout=TIMEOUT)
        if error is not None:
            raise error
        return result

    def close(self):
        self._executor.shutdown(timeout_sec=2)
        self._thread.join(2)
        self.node.destroy_node()


class Collected:
    """Calls that arrive from another thread, kept in order."""

    def __init__(self):
        self.calls = []
        self._lock = threading.Lock()

    def __call__(self, *args):
        with self._lock:
            self.calls.append(args)

    def wait(self, count=1, what='a call'):
        wait_for(lambda: len(self.calls) >= count, what=what)
        return list(self.calls)


__all__ = ['Collected', 'RosSide', 'wait_for']
