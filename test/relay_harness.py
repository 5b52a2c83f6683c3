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

"""A real foxglove_relay (its embedded Zenoh router on loopback) on its own thread, for tests."""

import asyncio
import socket
import threading

from bridge_harness import TIMEOUT

import pytest

zenoh = pytest.importorskip('zenoh')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class RunningRelay:
    """``foxglove_relay --listen tcp/127.0.0.1:<free> --port 0`` in this process."""

    def __init__(self, *arguments, zenoh_port=None):
        from foxglove_bridge_py.relay.main import _arguments

        self.zenoh_port = zenoh_port or free_port()
        self.endpoint = f'tcp/127.0.0.1:{self.zenoh_port}'
        self.args = _arguments(['--listen', self.endpoint, '--address', '127.0.0.1',
                                '--port', '0', '--name', 'test-relay', *arguments])
        self.port = None
        self._loop = None
        self._error = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._started.wait(TIMEOUT):
            raise AssertionError('relay did not start')
        if self._error is not None:
            raise self._error

    def _run(self):
        from foxglove_bridge_py.relay import main

        async def run():
            self._loop = asyncio.get_running_loop()
            started = self._loop.create_future()
            started.add_done_callback(self._on_started)
            self._task = asyncio.ensure_future(main.serve(self.args, started, stop=self._stop()))
            await self._task

        try:
            asyncio.run(run())
        except Exception as exc:  # noqa: B902 - handed to the test thread
            self._error = exc
            self._started.set()

    def _stop(self):
        self._stop_event = asyncio.Event()
        return self._stop_event

    def _on_started(self, future):
        self.port = future.result()
        self._started.set()

    def url(self, robot, token=None):
        return f'ws://127.0.0.1:{self.port}/{robot}' + (f'?token={token}' if token else '')

    def robots(self):
        """Names of the robots online, read on the relay's loop."""
        async def read():
            return sorted(self.relay.robots)
        return asyncio.run_coroutine_threadsafe(read(), self._loop).result(TIMEOUT)

    @property
    def relay(self):
        from foxglove_bridge_py.relay import main
        return main.RUNNING[id(self.args)]

    def stop(self):
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop_event.set)
        self._thread.join(TIMEOUT)
