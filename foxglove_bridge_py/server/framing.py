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
Writing batches of frames to one websockets connection, the fastest way the version allows.

The server speaks to websockets 10.4 (the legacy API Debian and Ubuntu ship) up to 17.x (the
``websockets.asyncio`` API). Each connection gets the first :class:`SendPath` it supports:

================  ==================  =============================================
websockets        permessage-deflate  path
================  ==================  =============================================
10.4 - 12.x       off                 ``DIRECT``: our own frames, straight to the transport
10.4 - 12.x       on                  ``LEGACY_WRITE``: ``write_frame_sync``, one drain
13.x - 17.x       off                 ``DIRECT``
13.x - 17.x       on                  ``SEND_CONTEXT``: ``protocol.send_*`` in ``send_context``
any other         any                 ``EACH``: ``await ws.send()`` per frame
================  ==================  =============================================

``test_server.py`` runs every path the installed version offers against a real client.
"""

from __future__ import annotations

import enum
import struct
from typing import Awaitable, Callable, Optional, Union

from foxglove_bridge_py.send_path.frame_block import each_frame, Frame, FrameBlock

SendBatch = Callable[[list[Frame]], Awaitable[object]]
"""Writes a batch of frames to one connection and waits for the socket to take them."""


class SendPath(str, enum.Enum):
    """How a connection's frames are written, fastest first."""

    DIRECT = 'direct'
    SEND_CONTEXT = 'send-context'
    LEGACY_WRITE = 'legacy-write'
    EACH = 'each'


def frame_bytes(frame: Union[bytes, tuple[Union[bytes, FrameBlock], bytes]]) -> bytes:
    """
    Join a binary frame that waits as ``(header, payload)``.

    :param frame: a binary frame, or a MessageData header and payload (a block is opened by
        ``each_frame`` first).
    :return: the frame's bytes.
    :raises ValueError: for a block.
    """
    if isinstance(frame, tuple):
        header, payload = frame
        if isinstance(header, FrameBlock):
            raise ValueError('a block of frames is opened by each_frame before it is sent')
        return header + payload
    return frame


LARGE_PAYLOAD = 64 * 1024
_TEXT, _BINARY = 0x81, 0x82  # FIN set: every message is one unfragmented frame
_LENGTH_16 = struct.Struct('!BBH')
_LENGTH_64 = struct.Struct('!BBQ')


_SHORT_BINARY_HEADERS = tuple(bytes((_BINARY, length)) for length in range(126))
"""The 2-byte headers of binary frames under 126 bytes, made once: small messages are many."""


def _frame_header(first_byte: int, length: int) -> bytes:
    if length < 126:
        return bytes((first_byte, length))
    if length < 65536:
        return _LENGTH_16.pack(first_byte, 126, length)
    return _LENGTH_64.pack(first_byte, 127, length)


def _frame_control(frame: Union[str, bytes], append: Callable[[bytes], None]) -> None:
    if isinstance(frame, str):
        data = frame.encode()
        append(_frame_header(_TEXT, len(data)))
        append(data)
    else:
        append(_frame_header(_BINARY, len(frame)))
        append(frame)


def _frame_block(block: FrameBlock) -> bytes:
    # Once, by the first writer that sends it; the other clients' writers take the buffer.
    chunks: list[bytes] = []
    append = chunks.append
    short = _SHORT_BINARY_HEADERS
    for header, payload in block.frames:
        length = len(header) + len(payload)
        append(short[length] if length < 126 else _frame_header(_BINARY, length))
        append(header)
        append(payload)
    block.wire = wire = b''.join(chunks)
    return wire


def _direct_sender(ws: object, closed_error: Callable[[None, None], Exception]
                   ) -> Optional[SendBatch]:
    """
    Return ``send_batch(frames)`` that frames messages itself and writes them straight out.

    A server's frames are unmasked, so a frame is a 2-10 byte header and the payload as it is:
    a MessageData payload shared by every client is written without a copy, and a batch costs
    one ``writelines`` instead of a library frame object per message. Used only without
    extensions (no permessage-deflate), while the connection is open, by the only task that
    sends on it; the library's own control frames (pings, pongs, close) are whole writes too,
    so nothing interleaves inside a frame. None if this websockets lacks what it needs.
    """
    protocol = getattr(ws, 'protocol', None)
    if protocol is not None and hasattr(protocol, 'state'):  # websockets >= 13
        extensions = getattr(protocol, 'extensions', None)
        state_owner = protocol
    else:  # the legacy API
        extensions = getattr(ws, 'extensions', None)
        state_owner = ws
    transport = getattr(ws, 'transport', None)
    drain = getattr(ws, 'drain', None)
    if extensions or extensions is None or transport is None or drain is None:
        return None
    open_state = state_owner.state.__class__.OPEN
    short = _SHORT_BINARY_HEADERS

    async def send_batch(frames: list[Frame]) -> None:
        if state_owner.state is not open_state:
            raise closed_error(None, None)
        chunks: list[bytes] = []
        append = chunks.append
        for frame in frames:
            if isinstance(frame, tuple):
                header, payload = frame
                if isinstance(header, FrameBlock):
                    append(header.wire or _frame_block(header))
                    continue
                length = len(header) + len(payload)
                append(short[length] if length < 126 else _frame_header(_BINARY, length))
                append(header)
                if len(payload) >= LARGE_PAYLOAD:
                    # writelines joins its chunks (a copy) before Python 3.12; a large payload
                    # goes to the transport on its own, which sends it without one.
                    transport.writelines(chunks)
                    chunks.clear()
                    transport.write(payload)
                else:
                    append(payload)
            else:
                _frame_control(frame, append)
        if chunks:
            transport.writelines(chunks)
        await drain()

    return send_batch


def _send_context_sender(ws: object) -> Optional[SendBatch]:
    protocol = getattr(ws, 'protocol', None)
    send_context = getattr(ws, 'send_context', None)
    if send_context is None or protocol is None or not hasattr(protocol, 'send_binary'):
        return None

    async def send_batch(frames: list[Frame]) -> None:
        async with send_context():
            for frame in each_frame(frames):
                if isinstance(frame, str):
                    protocol.send_text(frame.encode())
                else:
                    protocol.send_binary(frame_bytes(frame))
    return send_batch


def _legacy_write_sender(ws: object) -> Optional[SendBatch]:
    write_frame_sync = getattr(ws, 'write_frame_sync', None)
    if write_frame_sync is None:
        return None
    ensure_open, drain = getattr(ws, 'ensure_open'), getattr(ws, 'drain')

    async def send_batch(frames: list[Frame]) -> None:
        await ensure_open()
        for frame in each_frame(frames):
            if isinstance(frame, str):
                write_frame_sync(True, 0x1, frame.encode())
            else:
                write_frame_sync(True, 0x2, frame_bytes(frame))
        await drain()
    return send_batch


def _each_sender(ws: object) -> SendBatch:
    send = getattr(ws, 'send')

    async def send_batch(frames: list[Frame]) -> None:
        for frame in each_frame(frames):
            await send(frame if isinstance(frame, str) else frame_bytes(frame))
    return send_batch


def batch_sender(ws: object, closed_error: Callable[[None, None], Exception],
                 path: Optional[SendPath] = None) -> tuple[SendPath, SendBatch]:
    """
    Return how frames will be written to ``ws``, and ``send_batch(frames)`` that writes them.

    ``send_batch`` writes many frames and waits for the socket once: awaiting ``send()`` for
    every small message costs more than forwarding it. The first path of the module's matrix
    that this connection supports is taken. Only the server's writer task sends on a
    connection.

    :param ws: the connection, of either websockets API.
    :param closed_error: the exception for a connection that is no longer open
        (``websockets.ConnectionClosed``).
    :param path: take this path (tests); :data:`SendPath.EACH` always works.
    :return: the path taken and its sender.
    :raises ValueError: if ``path`` is not available on this connection.
    """
    makers = {
        SendPath.DIRECT: lambda: _direct_sender(ws, closed_error),
        SendPath.SEND_CONTEXT: lambda: _send_context_sender(ws),
        SendPath.LEGACY_WRITE: lambda: _legacy_write_sender(ws),
        SendPath.EACH: lambda: _each_sender(ws),
    }
    for candidate in ([path] if path is not None else list(SendPath)):
        sender = makers[candidate]()
        if sender is not None:
            return candidate, sender
    raise ValueError(f'send path {path.value if path else None} is not available with this '
                     'websockets')
