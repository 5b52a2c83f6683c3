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

"""The ROS-to-loop hand-off: lock-free posts from several threads arrive once, in order."""

import asyncio
import threading

from foxglove_bridge_py.threads.inflow import (
    COALESCE_DELAY, coalesce_delay, COALESCE_DELAY_MAX, COALESCE_PER_CLIENT, Inbox, Inflow,
    SessionIds)

TIMEOUT = 30.0
PER_THREAD = 20_000


def test_posts_from_two_threads_arrive_once_each_in_order_with_replays_in_place():
    async def main():
        loop = asyncio.get_running_loop()
        arrived = []
        done = asyncio.Event()

        def deliver(batch):
            arrived.extend(('message', m[0], m[1]) for m in batch)
            if sum(1 for a in arrived if a[0] == 'message') == 2 * PER_THREAD:
                done.set()

        inflow = Inflow(loop, loop.call_soon_threadsafe, Inbox(
            deliver, lambda stamp: None, lambda session: None,
            lambda client, channel, messages, until: arrived.append(('replay', channel, until))),
            SessionIds())

        def produce(channel_id):
            for sequence in range(PER_THREAD):
                inflow.post_message(channel_id, sequence, 0, b'')
                if sequence % 1000 == 999:
                    inflow.post_replay(0, channel_id, [], sequence)

        producers = [threading.Thread(target=produce, args=(c,)) for c in (1, 2)]
        for producer in producers:
            producer.start()
        await asyncio.wait_for(done.wait(), TIMEOUT)
        for producer in producers:
            producer.join(TIMEOUT)
        await asyncio.sleep(0)  # a last flush may carry only replays
        return arrived

    arrived = asyncio.run(main())
    for channel_id in (1, 2):
        mine = [a for a in arrived if a[1] == channel_id]
        # Every message once, in order, and each replay right after the message it followed.
        expected = []
        for sequence in range(PER_THREAD):
            expected.append(('message', channel_id, sequence))
            if sequence % 1000 == 999:
                expected.append(('replay', channel_id, sequence))
        assert mine[:len(expected) - 1] == expected[:-1]


def test_the_new_session_and_the_time_come_before_the_data_of_their_flush():
    async def main():
        loop = asyncio.get_running_loop()
        arrived = []
        flushed = asyncio.Event()
        inflow = Inflow(loop, loop.call_soon_threadsafe, Inbox(
            lambda batch: (arrived.append(('data', len(batch))), flushed.set()),
            lambda stamp: arrived.append(('time', stamp)),
            lambda session: arrived.append(('session', session)), lambda *replay: None),
            SessionIds())
        inflow.post_message(1, 1, 0, b'')
        inflow.post_time(5)
        inflow.post_time(6)
        session = inflow.post_new_session()
        await asyncio.wait_for(flushed.wait(), TIMEOUT)
        return arrived, session

    arrived, session = asyncio.run(main())
    assert arrived == [('session', session), ('time', 6), ('data', 1)]


class ManualLoop:
    """A loop stand-in: its clock is set by hand, and delayed calls are kept, not run."""

    def __init__(self):
        self.now = 100.0
        self.delayed = []

    def time(self):
        return self.now

    def call_later(self, delay, callback):
        self.delayed.append((delay, callback))


def test_under_a_stream_the_wait_grows_with_the_clients():
    assert coalesce_delay(0) == coalesce_delay(1) == COALESCE_DELAY == 0.0005
    assert coalesce_delay(5) == 0.0005 + 4 * COALESCE_PER_CLIENT
    assert coalesce_delay(9) == coalesce_delay(50) == COALESCE_DELAY_MAX == 0.0015
    loop = ManualLoop()
    calls = []
    delivered = []
    inflow = Inflow(loop, lambda callback: calls.append(callback), Inbox(
        delivered.append, lambda stamp: None, lambda session: None, lambda *replay: None),
        SessionIds())

    def post_and_wake():
        inflow.post_message(1, len(delivered), 0, b'x')
        calls.pop()()  # the loop runs the wake-up it was handed

    post_and_wake()  # after a quiet spell: at once
    assert len(delivered) == 1 and loop.delayed == []
    loop.now += 0.001  # a stream: the next waits for more
    post_and_wake()
    assert [delay for delay, _ in loop.delayed] == [COALESCE_DELAY]
    loop.delayed.pop()[1]()
    inflow.set_client_count(10)
    loop.now += 0.001
    post_and_wake()
    assert [delay for delay, _ in loop.delayed] == [COALESCE_DELAY_MAX]
    loop.delayed.pop()[1]()
    assert [len(batch) for batch in delivered] == [1, 1, 1]
