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
When the loop and the executor last turned, and how late the loop's turns came.

``/healthz`` reads the ages, the bridge's own diagnostics the loop's lag. Part of the ``threads``
package, the one place that knows the bridge's threads.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Optional

from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.timer import Timer

HEARTBEAT = 0.25
"""Seconds between two ticks of each thread's heartbeat."""


class Heartbeats:
    """When the loop and the executor last turned: each ticks a timer of its own."""

    def __init__(self, node: Node, loop: asyncio.AbstractEventLoop,
                 stopping: threading.Event) -> None:
        """
        Prepare both heartbeats; :meth:`start` starts them.

        :param node: the node whose executor turns the ROS heartbeat.
        :param loop: the loop that turns the other.
        :param stopping: set when the bridge stops, which ends the loop heartbeat.
        """
        self._node, self._loop, self._stopping = node, loop, stopping
        self._loop_tick = self._ros_tick = time.monotonic()
        self._loop_lag = 0.0
        self._timer: Optional[Timer] = None

    def start(self) -> None:
        """Start both; call on the loop before the executor spins."""
        self._timer = self._node.create_timer(HEARTBEAT, self._ros_beat,
                                              clock=Clock(clock_type=ClockType.STEADY_TIME))
        self._loop_beat()

    def stop(self) -> None:
        """Destroy the ROS timer, once the executor no longer runs (as every other timer is)."""
        if self._timer is not None:
            self._node.destroy_timer(self._timer)
            self._timer = None

    def _ros_beat(self) -> None:
        self._ros_tick = time.monotonic()

    def _loop_beat(self) -> None:
        now = time.monotonic()
        # How late this beat came is how long some callback held the loop.
        self._loop_lag = max(self._loop_lag, now - self._loop_tick - HEARTBEAT)
        self._loop_tick = now
        if not self._stopping.is_set():
            self._loop.call_later(HEARTBEAT, self._loop_beat)

    def ages(self) -> tuple[float, float]:
        """
        Tell how long ago each last turned.

        :return: seconds since the loop's and the executor's last heartbeat.
        """
        now = time.monotonic()
        return now - self._loop_tick, now - self._ros_tick

    def take_loop_lag(self) -> float:
        """
        Tell the longest the loop was held up since the last call (on the loop).

        :return: seconds by which the latest heartbeats came late, or are overdue.
        """
        lag = max(self._loop_lag, time.monotonic() - self._loop_tick - HEARTBEAT, 0.0)
        self._loop_lag = 0.0
        return lag
