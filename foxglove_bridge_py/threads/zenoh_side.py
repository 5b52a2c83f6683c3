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
The third family of threads: Zenoh's, which the relay link's callbacks run on.

Zenoh calls back on threads of its own (a sample arrived, a subscriber came or went, a peer's
token vanished); each crosses to the loop as a :class:`~foxglove_bridge_py.threads.hops.Hop`.
Messages cross in batches through an :class:`~foxglove_bridge_py.threads.inflow.Inflow`, as
they do from ROS. A put that must not be dropped (control frames, in Zenoh's ``BLOCK``
congestion mode) may wait for the link, so it is made on one thread of its own, in order, and
the loop awaits it instead of stalling. No ROS here: the relay, which runs without ROS, uses it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import functools
from typing import Callable, TypeVar

from foxglove_bridge_py.core.seams import Arguments
from foxglove_bridge_py.threads.hops import Hop
from foxglove_bridge_py.threads.inflow import Inbox, Inflow, SessionIds

Result = TypeVar('Result')


class ZenohSide:
    """Carries Zenoh's callbacks to the loop, and makes the blocking puts on a thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """
        Serve one loop.

        :param loop: the loop the callbacks cross to.
        """
        self._loop = loop
        self._putter = ThreadPoolExecutor(1, thread_name_prefix='zenoh-put')

    def call_in_loop(self, function: Callable[Arguments, object], *args: Arguments.args,
                     **kwargs: Arguments.kwargs) -> None:
        """
        Run a function on the loop; ignored once the loop is closed.

        :param function: what to run.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        """
        call = functools.partial(function, *args, **kwargs) if args or kwargs else function
        try:
            self._loop.call_soon_threadsafe(call)
        except RuntimeError:
            pass  # the loop is closed: shutting down

    def in_loop(self, function: Callable[Arguments, object]) -> Hop[Arguments]:
        """
        Make a loop-side function callable from Zenoh's threads.

        :param function: used on the loop only.
        :return: a function of the same parameters that posts the call.
        """
        return Hop(self.call_in_loop, function)

    def inflow(self, inbox: Inbox) -> Inflow:
        """
        Make a batched hand-off of messages from Zenoh's threads to the loop.

        :param inbox: where batches go, on the loop.
        :return: the hand-off; ``post_message`` from any thread.
        """
        return Inflow(self._loop, self.call_in_loop, inbox, SessionIds())

    async def put_in_order(self, function: Callable[Arguments, Result], *args: Arguments.args,
                           **kwargs: Arguments.kwargs) -> Result:
        """
        Make a put that may wait for the link, on the put thread, after those before it.

        :param function: the put.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        :return: its result.
        """
        return await self._loop.run_in_executor(
            self._putter, functools.partial(function, *args, **kwargs))

    def put_soon(self, function: Callable[Arguments, object], *args: Arguments.args,
                 **kwargs: Arguments.kwargs) -> None:
        """
        Queue a put that may wait for the link, after those before it, without awaiting it.

        :param function: the put.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        """
        future = self._loop.run_in_executor(
            self._putter, functools.partial(function, *args, **kwargs))
        future.add_done_callback(_ignore_failure)

    def stop(self) -> None:
        """Let the put thread end once its last put is made; do not wait for it."""
        self._putter.shutdown(wait=False)


def _ignore_failure(future: asyncio.Future) -> None:
    # A put to a closed session fails; the viewer it was for is going too.
    if not future.cancelled():
        future.exception()
