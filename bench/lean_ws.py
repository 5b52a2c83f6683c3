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
A lean WebSocket client for measuring: frames parsed in bulk, no per-message task or future.

On a 2-core machine the measuring client competes with the bridge for the CPU. The websockets
client costs tens of microseconds per small message (a future per ``recv()``, a frame object,
a timeout), which is CPU the bridge and the SDK forwarder then lack; this one reads into one
buffer and parses every frame of a read in one loop over it. The Foxglove app runs on another
machine: its cost is not the bridge's. Without extensions only (the ``--deflate`` runs use
websockets).
"""

import asyncio
import base64
import json
import os
import struct
import time
from urllib.parse import urlsplit

SUBPROTOCOLS = 'foxglove.sdk.v1, foxglove.websocket.v1'
_LENGTH_16 = struct.Struct('!H')
_LENGTH_64 = struct.Struct('!Q')
_TEXT, _BINARY, _CLOSE, _PING = 0x1, 0x2, 0x8, 0x9
READ_BUFFER = 4 * 1024 * 1024


def _client_frame(opcode, payload):
    """Build a masked client frame (RFC 6455 requires masking from a client)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = bytes((0x80 | opcode, 0x80 | length))
    elif length < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + _LENGTH_16.pack(length)
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + _LENGTH_64.pack(length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class LeanClient(asyncio.BufferedProtocol):
    """
    One connection: texts go to a queue, binary frames to ``on_binary``.

    ``on_binary(buffer, start, end, now)`` gets each binary frame's payload as
    ``buffer[start:end]`` (no slice made; valid only during the call) and ``now``, the
    ``time.monotonic_ns()`` of the read that completed it.
    """

    def __init__(self, on_binary):
        self.on_binary = on_binary
        self.texts = asyncio.Queue()
        self.transport = None
        # The socket reads straight into this buffer (no chunk objects, no joining): a 1 MiB
        # frame is parsed where it landed.
        self._buffer = bytearray(READ_BUFFER)
        self._start = self._end = 0
        self._handshake = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        for future in (self._handshake, self.closed):
            if not future.done():
                future.set_result(None)

    def get_buffer(self, sizehint):
        buffer = self._buffer
        if len(buffer) - self._end < READ_BUFFER // 4:
            # Move the partial frame to the front; grow only if it fills most of the buffer.
            waiting = self._end - self._start
            buffer[:waiting] = buffer[self._start:self._end]
            self._start, self._end = 0, waiting
            if len(buffer) - waiting < READ_BUFFER // 4:
                buffer.extend(bytes(len(buffer)))
        return memoryview(buffer)[self._end:]

    def buffer_updated(self, nbytes):
        self._end += nbytes
        if not self._handshake.done():
            end = self._buffer.find(b'\r\n\r\n', self._start, self._end)
            if end < 0:
                return
            status = bytes(self._buffer[self._start:end]).split(b'\r\n', 1)[0]
            self._start = end + 4
            if b' 101 ' not in status + b' ':
                self._handshake.set_exception(ConnectionError(status.decode()))
                return
            self._handshake.set_result(None)
        self._start = self._parse(self._buffer, self._start, self._end)
        if self._start == self._end:
            self._start = self._end = 0

    def _parse(self, buffer, at, size):
        # Every complete frame between at and size; returns where the first incomplete starts.
        # The frames of one read arrived together: one clock reading for all of them.
        now = time.monotonic_ns()
        view = memoryview(buffer)
        on_binary = self.on_binary
        while size - at >= 2:
            opcode = buffer[at] & 0x0F
            length = buffer[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                if size - at < 4:
                    break
                length = _LENGTH_16.unpack_from(buffer, start)[0]
                start += 2
            elif length == 127:
                if size - at < 10:
                    break
                length = _LENGTH_64.unpack_from(buffer, start)[0]
                start += 8
            end = start + length
            if end > size:
                break
            if opcode == _BINARY:
                on_binary(buffer, start, end, now)
            elif opcode == _TEXT:
                self.texts.put_nowait(bytes(view[start:end]).decode())
            elif opcode == _PING:
                self.transport.write(_client_frame(0xA, bytes(view[start:end])))
            elif opcode == _CLOSE:
                self.transport.close()
            at = end
        view.release()
        return at

    def send_text(self, text):
        self.transport.write(_client_frame(_TEXT, text.encode()))


async def connect(url, on_binary):
    """
    Open a connection and finish the handshake.

    :param url: ``ws://host:port``.
    :param on_binary: called for every binary frame, as :class:`LeanClient` says.
    :return: the :class:`LeanClient`.
    """
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: LeanClient(on_binary), parts.hostname,
                                             parts.port)
    key = base64.b64encode(os.urandom(16)).decode()
    client.transport.write((
        f'GET {parts.path or "/"} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n'
        f'Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n'
        f'Sec-WebSocket-Protocol: {SUBPROTOCOLS}\r\n\r\n').encode())
    await asyncio.wait_for(client._handshake, 30)
    return client


async def next_json(client, timeout):
    """Return the next text message, decoded."""
    return json.loads(await asyncio.wait_for(client.texts.get(), timeout))
