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
A thread for heavy work (encoding twins) that must hold up neither the executor nor the loop.

Part of the ``threads`` package, the one place that knows the bridge's threads and holds its
locks.
"""

from __future__ import annotations

import functools
import threading
import traceback
from typing import Callable

from foxglove_bridge_py.core.seams import Arguments, Log

SHUTDOWN_TIMEOUT = 2.0
"""Seconds a stopping thread gets to finish what it is running: the executor thread its
callback, a worker its job."""


class Worker:
    """
    A thread that does the newest job of each key, the older ones dropped unrun.

    Jobs are keyed: a job offered while an older one of the same key still waits replaces it,
    so when the work falls behind only the newest of each key is done. Keys are served in the
    order they first waited, so one busy key cannot starve the others.
    """

    def __init__(self, name: str, log: Log) -> None:
        """
        Start the thread; it sleeps until a job is offered.

        :param name: the thread's name.
        :param log: where a failing job is reported.
        """
        self._log = log
        self._waiting: dict[int, Callable[[], object]] = {}
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def offer(self, key: int, function: Callable[Arguments, object], *args: Arguments.args,
              **kwargs: Arguments.kwargs) -> None:
        """
        Queue a job, replacing the waiting one of the same key.

        :param key: what the job is about (a channel id).
        :param function: what to run on the worker thread; its exceptions are logged.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        """
        job = functools.partial(function, *args, **kwargs)
        with self._wake:
            self._waiting[key] = job
            self._wake.notify()

    def stop(self) -> None:
        """Drop the waiting jobs and wait (a bounded time) for the running one to end."""
        with self._wake:
            self._stopping = True
            self._waiting.clear()
            self._wake.notify()
        self._thread.join(SHUTDOWN_TIMEOUT)

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                key = next(iter(self._waiting))
                job = self._waiting.pop(key)
            try:
                job()
            except Exception:  # noqa: B902 - one failed job must not stop the others
                self._log.error(f'worker job failed:\n{traceback.format_exc()}')
