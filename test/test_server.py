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

"""The WebSocket server alone: a fake hub, real clients, every way of writing frames."""

import asyncio
import json
import time

from foxglove_bridge_py import protocol
from foxglove_bridge_py.access.grant import OPEN
from foxglove_bridge_py.core.client_session import ClientSession
from foxglove_bridge_py.send_path.frame_block import FrameBlock, share_frames
from foxglove_bridge_py.send_path.send_queue import SendQueue
from foxglove_bridge_py.server.framing import SendPath
from foxglove_bridge_py.server.server import FoxgloveServer
import pytest
import websockets

TIMEOUT = 10.0
NEW_API = int(websockets.version.version.split('.')[0]) >= 13
LIBRARY_PATH = SendPath.SEND_CONTEXT if NEW_API else SendPath.LEGACY_WRITE
HELLO = '{"op":"serverInfo","name":"fake"}'


class EchoHub:
    """The server's view of a hub: text frames come back as they are, binary ones as data."""

    def __init__(self):
        self.sessions = {}
        self.left = []
        self._next_id = 1

    def connect(self, name, grant=OPEN):
        session = ClientSession(self._next_id, name, SendQueue(
            50_000_000, control_limit=50_000_000, clock=time.monotonic), grant)
        self._next_id += 1
        self.sessions[session.client_id] = session
        session.send_queue.put_control(HELLO)
        return session

    def disconnect(self, session):
        del self.sessions[session.client_id]
        return [('left', session.client_id)]

    def handle_frame_in_slices(self, session, frame):
        if isinstance(frame, str):
            if frame == 'boom':
                raise RuntimeError('a bug in a handler')
            session.send_queue.put_control(frame)
            yield []
            return
        # A binary frame asks for n data messages of the given sizes; an object, for messages
        # that go as one block, as to clients alike.
        request = json.loads(frame.decode())
        sizes = request['block'] if isinstance(request, dict) else request
        frames = [(protocol.message_data_header(7, size),
                   bytes((size + i) % 251 for i in range(size))) for size in sizes]
        if isinstance(request, dict):
            (block, _), = frames = share_frames(frames)
            assert isinstance(block, FrameBlock)
        for frame in frames:
            session.send_queue.put_many(1, (frame,), time.monotonic())
        yield [('data', session.client_id)]


class Running:

    def __init__(self, **options):
        self.hub = EchoHub()
        self.effects = []
        self.server = FoxgloveServer(self.hub, self.effects.extend, address='127.0.0.1', port=0,
                                     **options)

    async def __aenter__(self):
        await self.server.start()
        self.url = f'ws://127.0.0.1:{self.server.port}'
        return self

    async def __aexit__(self, *exc):
        await self.server.stop()

    async def client(self, **options):
        ws = await websockets.connect(self.url, subprotocols=['foxglove.websocket.v1'],
                                      max_size=None, **options)
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == HELLO
        return ws


def run(coroutine):
    asyncio.run(asyncio.wait_for(coroutine, 3 * TIMEOUT))


def expected_data(size):
    return protocol.message_data_header(7, size) + bytes((size + i) % 251 for i in range(size))


@pytest.mark.parametrize('path, compression', [
    (None, False), (SendPath.DIRECT, False), (LIBRARY_PATH, False), (SendPath.EACH, False),
    (None, True), (SendPath.EACH, True)])
def test_every_send_path_delivers_exact_frames_in_order(path, compression):
    sizes = [0, 10, 125, 126, 65535, 65536, 70_000, 300_000]

    async def scenario():
        async with Running(send_path=path, compression=compression) as running:
            ws = await running.client(compression='deflate' if compression else None)
            await ws.send('{"op":"ping"}')
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == '{"op":"ping"}'
            await ws.send(json.dumps(sizes).encode())
            received = [await asyncio.wait_for(ws.recv(), TIMEOUT) for _ in sizes]
            assert received == [expected_data(size) for size in sizes]
            # A block: each of its messages a frame of its own, exact.
            block = [0, 10, 125, 126, 1000]
            await ws.send(json.dumps({'block': block}).encode())
            received = [await asyncio.wait_for(ws.recv(), TIMEOUT) for _ in block]
            assert received == [expected_data(size) for size in block]
            (connection,) = running.server._connections.values()
            default = LIBRARY_PATH if compression else SendPath.DIRECT
            assert connection.send_path == (path or default)
            await ws.close()

    run(scenario())


def test_missing_subprotocol_and_foreign_origin_are_refused():
    import re

    async def scenario():
        async with Running(allowed_origins=[re.compile(r'https://app\.example')]) as running:
            for options in ({}, {'subprotocols': ['foxglove.websocket.v1'],
                                 'origin': 'https://evil.example'}):
                with pytest.raises(Exception) as refused:
                    await websockets.connect(running.url, **options)
                assert '400' in str(refused.value) or '403' in str(refused.value)
            ws = await running.client(origin='https://app.example')
            await ws.close()

    run(scenario())


def test_too_many_clients_get_a_status_and_1013():
    async def scenario():
        async with Running(max_clients=1) as running:
            first = await running.client()
            extra = await websockets.connect(running.url, subprotocols=['foxglove.sdk.v1'])
            status = json.loads(await asyncio.wait_for(extra.recv(), TIMEOUT))
            assert status['message'] == 'Too many clients: the bridge serves at most 1'
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(extra.recv(), TIMEOUT)
            assert extra.close_code == 1013
            await first.close()

    run(scenario())


def test_oversized_message_and_handler_bug_get_statuses_and_the_socket_stays():
    async def scenario():
        async with Running(max_message_size=100) as running:
            ws = await running.client()
            await ws.send('x' * 150)
            status = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert status['message'] == ('Message of 150 bytes refused: max_message_size is '
                                         '100')
            await ws.send('boom')
            status = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert status['message'] == "Internal error: RuntimeError('a bug in a handler')"
            await ws.send('still here')
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == 'still here'
            await ws.close()

    run(scenario())


def test_leaving_client_effects_reach_the_sink_and_stop_says_going_away():
    async def scenario():
        async with Running() as running:
            leaving, staying = await running.client(), await running.client()
            await leaving.close()
            deadline = time.monotonic() + TIMEOUT
            while ('left', 1) not in running.effects:
                assert time.monotonic() < deadline, 'no effects for the client that left'
                await asyncio.sleep(0.01)
            await running.server.stop()
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(staying.recv(), TIMEOUT)
            assert staying.close_code == 1001
            running.server._server = None  # stopped already

    run(scenario())


def test_a_client_reconnecting_from_its_address_starts_from_its_links_last_speed():
    async def scenario():
        async with Running() as running:
            ws = await running.client()
            (session,) = running.hub.sessions.values()
            session.send_queue.link.record(250_000, 0.1, time.monotonic())  # 2.5 MB/s
            await ws.close()
            await asyncio.wait_for(_until(lambda: not running.hub.sessions), TIMEOUT)
            again = await running.client()
            (session,) = running.hub.sessions.values()
            assert session.send_queue.link.slow and session.send_queue.throughput() == 2_500_000
            await again.close()

    run(scenario())


async def _until(condition):
    while not condition():
        await asyncio.sleep(0.01)
