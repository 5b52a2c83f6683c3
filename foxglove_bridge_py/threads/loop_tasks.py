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
Coroutines on the loop (parameter and asset requests, the figures): started, logged, cancelled.

A failed request is logged, never raised into the loop; the requests still running when the
bridge stops are cancelled.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Coroutine

from foxglove_bridge_py.core.seams import Log


class LoopTasks:
    """The request coroutines running on the loop."""

    def __init__(self, log: Log) -> None:
        """
        Start with none.

        :param log: where failures go (the node's logger).
        """
        self._log = log
        self._tasks: set[asyncio.Future[None]] = set()
        self._on_cancel: list[Callable[[], None]] = []

    def start(self, coroutine: Coroutine[object, object, None]) -> None:
        """
        Run a coroutine as a task of its own.

        :param coroutine: the request's coroutine.
        """
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error(f'request failed: {task.exception()!r}')

    def on_cancel(self, stop: Callable[[], None]) -> None:
        """
        Have :meth:`cancel_all` also stop something that runs on the loop's timers.

        :param stop: stops it.
        """
        self._on_cancel.append(stop)

    def cancel_all(self) -> None:
        """Cancel every task still running, and stop what runs on timers."""
        for task in list(self._tasks):
            task.cancel()
        for stop in self._on_cancel:
            stop()
