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

"""The thread module: hops both ways, in order, with a real executor and a real loop."""

import asyncio
import threading

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.threads.ros_and_loop import Inbox, SessionIds, Threads  # noqa: E402, I100
from rclpy.node import Node  # noqa: E402

TIMEOUT = 10.0


class Recorder:
    """Loop-side receivers that note what arrives, in order."""

    def __init__(self):
        self.events = []
        self.changed = asyncio.Event()

    def note(self, *event):
        self.events.append(event)
        self.changed.set()

    async def until(self, predicate):
        while not predicate(self.events):
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), TIMEOUT)


def run_threads(ros_context, scenario):
    node = Node('threads_test', context=ros_context)

    async def main():
        recorder = Recorder()
        threads = Threads(node, asyncio.get_running_loop(), Inbox(
            lambda batch: batch and recorder.note('deliver', [m[1] for m in batch]),
            lambda stamp: recorder.note('time', stamp),
            lambda session: recorder.note('session', session),
            lambda client, channel, messages, until: recorder.note('replay', until)),
            SessionIds())
        threads.start()
        try:
            await asyncio.wait_for(scenario(threads, recorder), 3 * TIMEOUT)
        finally:
            threads.stop()

    try:
        asyncio.run(main())
    finally:
        node.destroy_node()


def test_ros_side_posts_arrive_in_order_with_the_session_first(ros_context):
    async def scenario(threads, recorder):
        posted = threading.Event()

        def on_ros_thread():
            assert threading.current_thread().name == 'ros-executor'
            threads.post_message(1, 1, 0, b'a')
            threads.post_replay(7, 1, [], 1)
            threads.post_message(1, 2, 0, b'b')
            threads.post_time(5)
            threads.post_new_session()
            posted.set()

        threads.call_in_ros(on_ros_thread)
        # Hold the loop until everything is posted, so that one flush takes it all: within a
        # flush the session goes first, then the time, then data and replays in order.
        assert posted.wait(TIMEOUT)
        await recorder.until(lambda events: ('deliver', [2]) in events)
        kinds = [event[0] for event in recorder.events]
        assert kinds[0] == 'session'
        assert [e for e in recorder.events if e[0] != 'time'][1:] == [
            ('deliver', [1]), ('replay', 1), ('deliver', [2])]

    run_threads(ros_context, scenario)


def test_loop_to_ros_calls_run_in_order_and_answer_the_loop(ros_context):
    async def scenario(threads, recorder):
        ran = []
        for index in range(100):
            threads.call_in_ros(ran.append, index)
        names = await threads.run_in_ros(lambda: threading.current_thread().name)
        assert names == 'ros-executor'
        assert ran == list(range(100))

        def failing(done):
            raise ValueError('on the ROS side')

        with pytest.raises(ValueError, match='on the ROS side'):
            await threads.await_ros_callback(failing)

        def record(value, *, how):
            ran.append((threading.current_thread().name, value, how))

        threads.in_ros(record)('hopped', how='typed')
        await threads.run_in_ros(lambda: None)
        assert ran[-1] == ('ros-executor', 'hopped', 'typed')
        on_loop = asyncio.Event()
        threads.call_in_ros(threads.in_loop(lambda: on_loop.set()))
        await asyncio.wait_for(on_loop.wait(), TIMEOUT)

    run_threads(ros_context, scenario)


def test_session_ids_never_repeat():
    session_ids = SessionIds()
    ids = [session_ids.next() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert ids == sorted(ids, key=int)


class Log:

    def __init__(self):
        self.errors = []

    def error(self, text):
        self.errors.append(text)


def test_the_worker_does_only_the_newest_job_of_each_key_in_the_order_keys_waited():
    from foxglove_bridge_py.threads.ros_and_loop import Worker

    log = Log()
    worker = Worker('test-worker', log)
    gate, done = threading.Event(), threading.Event()
    ran = []
    try:
        worker.offer('hold', gate.wait, 5.0)  # keeps the worker busy while the rest queue
        worker.offer('a', ran.append, 'a1')
        worker.offer('b', ran.append, 'b1')
        worker.offer('a', ran.append, 'a2')  # replaces a1, keeps a's place before b
        worker.offer('c', ran.append, 'c1')
        worker.offer('c', len, 'c2')  # replaces c1 with a job that records nothing
        worker.offer('boom', lambda: 1 / 0)
        worker.offer('end', done.set)
        gate.set()
        assert done.wait(5.0)
        assert ran == ['a2', 'b1']
        assert len(log.errors) == 1 and 'ZeroDivisionError' in log.errors[0]
    finally:
        worker.stop()
    worker.offer('late', ran.append, 'late')  # after stop: never run
    assert ran == ['a2', 'b1']
