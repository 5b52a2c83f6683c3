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
The bridge's threads, and the only module that knows there is more than one.

rclpy callbacks run on the executor thread (``ros-executor``); the server, the hub and every
capability live on the asyncio loop. Everything that crosses goes through :class:`Threads`:

* loop to ROS: functions queued and run in order by one executor task (:meth:`Threads.in_ros`,
  :meth:`Threads.call_in_ros`, :meth:`Threads.run_in_ros`);
* ROS to loop: messages, the clock, new sessions and latched replays share one ordered inbox
  flushed in batches, one wake-up of the loop per batch (``Threads.post_message`` and
  friends, from ``threads.inflow``); anything else is a plain ``call_soon_threadsafe``
  (:meth:`Threads.in_loop`, :meth:`Threads.events_on_loop`).

Every crossing is a typed hop (``threads.hops``): a reader and a type checker follow a call
from one side to the other, and a stack trace names each step (no closure or lambda between).

Heavy work that must hold up neither (encoding a camera frame's twin) runs on a
:class:`Worker`, a third thread that keeps only the newest job of each key and posts its
results to the loop the same way.

Every lock of the bridge is here (this package: the worker is ``threads.worker``), and no other
module imports ``threading``. The objects on
either side are single-threaded: a ROS-side object is only ever called on the executor thread,
a loop-side one only on the loop.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import threading
import traceback
from typing import Callable, cast, Generic, Optional, Sequence, TypeVar

from foxglove_bridge_py.core.seams import Arguments, Post, SourceEvents
from foxglove_bridge_py.ros.distro import make_executor
from foxglove_bridge_py.threads.heartbeats import Heartbeats
from foxglove_bridge_py.threads.hops import Hop, SourceEventsOnLoop
from foxglove_bridge_py.threads.inflow import Inbox, Inflow, SessionIds
from foxglove_bridge_py.threads.worker import SHUTDOWN_TIMEOUT, Worker
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.task import Future

__all__ = ['Heartbeats', 'Inbox', 'SessionIds', 'Threads', 'Worker']

Result = TypeVar('Result')
Done = Callable[[Optional[Result], Optional[BaseException]], None]
"""Reports the end of work started on the executor thread: ``done(result, None)`` or
``done(None, error)``."""

SPIN_TIMEOUT = 0.5
"""Seconds the executor spins between two checks of whether to stop."""


class Threads:
    """The executor thread, the loop, and every hop between them."""

    def __init__(self, node: Node, loop: asyncio.AbstractEventLoop, inbox: Inbox,
                 session_ids: SessionIds, extra_nodes: Sequence[Node] = ()) -> None:
        """
        Prepare the executor; :meth:`start` starts spinning.

        :param node: the bridge's node.
        :param loop: the running asyncio loop.
        :param inbox: where what the ROS side posts goes, on the loop.
        :param session_ids: makes the ids of new sessions.
        :param extra_nodes: more nodes to spin on the same executor (the demo publisher).
        """
        self._node = node
        self._loop = loop
        self._log = node.get_logger()
        self.executor = make_executor(node.context)
        for spun in (node, *extra_nodes):
            self.executor.add_node(spun)
        self._spinner = threading.Thread(target=self._spin, name='ros-executor', daemon=True)
        self._stopping = threading.Event()
        self._stopped = Future()  # not executor.create_future(): Humble's and Jazzy's lack it
        self._ros_calls: collections.deque[Callable[[], object]] = collections.deque()
        self._ros_calls_lock = threading.Lock()
        self._ros_calls_scheduled = False
        self._inflow = Inflow(loop, self.call_in_loop, inbox, session_ids)
        # ROS to loop: bound methods of the inflow, so that a message costs no extra call.
        self.post_message = self._inflow.post_message
        self.post_time = self._inflow.post_time
        self.post_replay = self._inflow.post_replay
        self.post_new_session = self._inflow.post_new_session
        self.set_client_count = self._inflow.set_client_count  # on the loop
        self._workers: list[Worker] = []
        self.heartbeats = Heartbeats(node, loop, self._stopping)

    @property
    def events_executor(self) -> bool:
        """
        Tell whether the executor is the EventsExecutor, which gives no MessageInfo.

        :return: True for the EventsExecutor.
        """
        return not isinstance(self.executor, SingleThreadedExecutor)

    # --- lifetime ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start spinning the executor on its own thread, and both heartbeats."""
        self.heartbeats.start()
        self._spinner.start()

    def worker(self, name: str) -> Worker:
        """
        Start a worker thread, stopped with the executor.

        :param name: the thread's name.
        :return: the worker.
        """
        worker = Worker(name, self._log)
        self._workers.append(worker)
        return worker

    def stop(self) -> None:
        """Stop the workers and the executor, and wait (a bounded time) for their threads."""
        for worker in self._workers:
            worker.stop()
        self._stopping.set()
        self.executor.create_task(self._stopped.set_result, True)
        self.executor.shutdown(timeout_sec=SHUTDOWN_TIMEOUT)
        if self._spinner.is_alive():
            self._spinner.join(SHUTDOWN_TIMEOUT)
        self.heartbeats.stop()

    def executor_stopped(self, timeout: float) -> bool:
        """
        Wait for the executor thread to end: only then may its nodes be destroyed.

        :param timeout: seconds to wait at most.
        :return: True once it has ended (or never started).
        """
        if self._spinner.is_alive():
            self._spinner.join(timeout)
        return not self._spinner.is_alive()

    def _spin(self) -> None:
        """Spin the executor until stopped; a failing callback is logged, not fatal."""
        # Until a future (set by stop()), not spin_once() in a loop of ours: the EventsExecutor
        # then runs no Python between two messages. (Its spin() would do that too, but then
        # create_task from the loop blocks until spin() returns.)
        context = self._node.context
        while not self._stopping.is_set() and context.ok():
            try:
                self.executor.spin_until_future_complete(self._stopped, SPIN_TIMEOUT)
            except ExternalShutdownException:
                return
            except Exception:  # noqa: B902 - one failed callback must not stop the bridge
                if not self._stopping.is_set():
                    self._log.error(f'ROS callback failed:\n{traceback.format_exc()}')

    # --- loop -> ROS ---------------------------------------------------------------------------

    def call_in_ros(self, function: Callable[Arguments, object], *args: Arguments.args,
                    **kwargs: Arguments.kwargs) -> None:
        """
        Run a function on the executor thread, after those queued before it.

        :param function: what to run; its exceptions are logged.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        """
        # Executor.create_task is thread-safe for both executors; one task runs every call
        # queued until it starts.
        call = functools.partial(function, *args, **kwargs) if args or kwargs else function
        with self._ros_calls_lock:
            self._ros_calls.append(call)
            if self._ros_calls_scheduled:
                return
            self._ros_calls_scheduled = True
        self.executor.create_task(self._run_ros_calls)

    def _run_ros_calls(self) -> None:
        """Run, on the executor thread, every call queued so far, in order."""
        with self._ros_calls_lock:
            self._ros_calls_scheduled = False
        while self._ros_calls:
            call = self._ros_calls.popleft()
            try:
                call()
            except Exception:  # noqa: B902 - one failed call must not stop the others
                self._log.error(f'ROS operation failed:\n{traceback.format_exc()}')

    def in_ros(self, function: Callable[Arguments, object]) -> Hop[Arguments]:
        """
        Make a ROS-side function callable from the loop: the call runs on the executor thread.

        :param function: used on the executor thread only.
        :return: a function of the same parameters that queues the call and returns None.
        """
        return Hop(self.call_in_ros, function)

    def run_in_ros(self, function: Callable[[], Result]) -> asyncio.Future[Result]:
        """
        Run a function on the executor thread and await its result on the loop.

        :param function: what to run.
        :return: a future with its result or exception.
        """
        return self.await_ros_callback(functools.partial(_report_result, function))

    def await_ros_callback(self, start: Callable[[Done[Result]], None]
                           ) -> asyncio.Future[Result]:
        """
        Start work on the executor thread that reports back through a callback.

        :param start: called on the executor thread with ``done(result, error)``, which it
            (or a later ROS callback) calls once.
        :return: a future on the loop with the result, or the error raised.
        """
        future: asyncio.Future[Result] = self._loop.create_future()
        self.call_in_ros(_Awaited(future, start, self.call_in_loop).start_in_ros)
        return future

    async def run_blocking(self, function: Callable[Arguments, Result], *args: Arguments.args,
                           **kwargs: Arguments.kwargs) -> Result:
        """
        Run a blocking function (a file read) on the loop's worker threads.

        :param function: what to run.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        :return: its result.
        """
        return await self._loop.run_in_executor(
            None, functools.partial(function, *args, **kwargs))

    # --- ROS -> loop ---------------------------------------------------------------------------

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
            pass  # the loop is closed: the bridge is shutting down

    def in_loop(self, function: Callable[Arguments, object]) -> Hop[Arguments]:
        """
        Make a loop-side function callable from ROS: the call runs on the loop.

        :param function: used on the loop only.
        :return: a function of the same parameters that posts the call and returns None.
        """
        return Hop(self.call_in_loop, function)

    def events_on_loop(self, events: SourceEvents) -> SourceEventsOnLoop:
        """
        Make the core's receiver of a source's events callable from ROS.

        :param events: used on the loop only.
        :return: the receiver as the ROS side calls it.
        """
        return SourceEventsOnLoop(events, self.call_in_loop)


class _Awaited(Generic[Result]):
    """Work started on the executor thread whose end settles a future on the loop."""

    def __init__(self, future: asyncio.Future[Result], start: Callable[[Done[Result]], None],
                 call_in_loop: Post) -> None:
        self._future = future
        self._start = start
        self._call_in_loop = call_in_loop

    def start_in_ros(self) -> None:
        """Start the work (on the executor thread); what it raises settles the future."""
        try:
            self._start(self.report)
        except Exception as exc:  # noqa: B902 - handed to the awaiting coroutine
            self.report(None, exc)

    def report(self, result: Optional[Result], error: Optional[BaseException]) -> None:
        """
        Settle the future on the loop (from any thread).

        :param result: the result, if the work succeeded.
        :param error: what it raised, if it failed.
        """
        self._call_in_loop(_settle, self._future, result, error)


def _report_result(function: Callable[[], Result], done: Done[Result]) -> None:
    """Run a function and report its result: the work of :meth:`Threads.run_in_ros`."""
    done(function(), None)


def _settle(future: asyncio.Future[Result], result: Optional[Result],
            error: Optional[BaseException]) -> None:
    """Complete a future on the loop, unless it was cancelled meanwhile."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(cast(Result, result))  # a result comes with no error
