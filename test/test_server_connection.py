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

"""A connection's writer wake-up: woken before, during, or never (then its timeout)."""

import asyncio

import pytest

pytest.importorskip('websockets')

from foxglove_bridge_py.server.connection import Wakeup  # noqa: E402, I100

TIMEOUT = 10.0


def test_a_wakeup_woken_before_the_wait_returns_at_once_and_unsets():
    async def main():
        wakeup = Wakeup(asyncio.get_running_loop())
        wakeup.wake()
        wakeup.wake()
        await asyncio.wait_for(wakeup.wait(), TIMEOUT)
        # Unset now: a second wait needs a second wake, or its timeout.
        waiting = asyncio.ensure_future(wakeup.wait())
        await asyncio.sleep(0)
        assert not waiting.done()
        wakeup.wake()
        await asyncio.wait_for(waiting, TIMEOUT)

    asyncio.run(main())


def test_a_wakeup_never_woken_returns_after_its_timeout():
    async def main():
        loop = asyncio.get_running_loop()
        wakeup = Wakeup(loop)
        started = loop.time()
        await asyncio.wait_for(wakeup.wait(0.05), TIMEOUT)
        assert loop.time() - started >= 0.04

    asyncio.run(main())


def test_a_cancelled_wait_leaves_the_wakeup_usable():
    async def main():
        wakeup = Wakeup(asyncio.get_running_loop())
        waiting = asyncio.ensure_future(wakeup.wait())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        wakeup.wake()  # no waiter: kept for the next wait
        await asyncio.wait_for(wakeup.wait(), TIMEOUT)

    asyncio.run(main())
