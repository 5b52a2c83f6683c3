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
Small messages that several clients receive alike, queued and framed once for all of them.

Clients with the same subscription id on a channel (one layout open in several browsers, a
wall of screens) receive byte for byte the same MessageData frames. Per client and message,
a queue entry, a take and a WebSocket header cost more than forwarding the message did; so a
batch of a channel's small messages goes to each such client's queue as one entry, a
:class:`FrameBlock`, and the first writer to send it frames it into one buffer that the others
write as it is. In a queue a block is ``(block, b'')``: its ``len`` is its messages' bytes,
so the byte budget sees what one entry per message would have; drops and counts take it
whole, as :attr:`FrameBlock.messages` messages.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Optional, Union

#: Largest block, in message bytes: a block is served like one message of that size, and
#: anything larger than a turn of the round robin (``send_queue.QUANTUM``) could be held
#: back as a large message.
MAX_BLOCK_BYTES = 32 * 1024


class FrameBlock:
    """MessageData frames of one channel's batch, shared by clients that receive them alike."""

    __slots__ = ('frames', 'messages', 'size', 'wire')

    def __init__(self, frames: list[tuple[bytes, bytes]], size: int) -> None:
        """
        Wrap frames.

        :param frames: ``(header, payload)`` MessageData frames, oldest first.
        :param size: their bytes, headers and payloads.
        """
        self.frames = frames
        self.messages = len(frames)
        self.size = size
        self.wire: Optional[bytes] = None
        """The frames as WebSocket frames, one buffer: made by the first writer to send it."""

    def __len__(self) -> int:
        """Give the bytes of its messages, as one queue entry per message would count them."""
        return self.size


Header = Union[bytes, FrameBlock]
"""A MessageData header with one client's subscription id, or a :class:`FrameBlock` of many."""
Queued = tuple[Header, bytes]
"""A MessageData frame as a send queue holds it: header (or block) and payload."""
Frame = Union[str, bytes, Queued]
"""What a writer takes: JSON text, a binary frame, or ``(header, payload)`` for MessageData
(``(block, b'')`` for a :class:`FrameBlock` of several)."""


def share_frames(frames: list[tuple[bytes, bytes]]) -> list[Queued]:
    """
    Give the frames to queue for each of several clients: one block, if they are small.

    :param frames: ``(header, payload)`` MessageData frames of one channel.
    :return: ``[(block, b'')]``, or ``frames`` themselves when together they are larger than
        :data:`MAX_BLOCK_BYTES` (they are then shared as they are, a payload never copied).
    """
    size = 0
    for header, payload in frames:
        size += len(header) + len(payload)
    if size > MAX_BLOCK_BYTES:
        return list(frames)
    return [(FrameBlock(frames, size), b'')]


def messages_of(entry_header: Header) -> int:
    """
    Count the messages behind a queued frame's header: a block's, or one.

    :param entry_header: the first item of a queued ``(header, payload)``.
    :return: how many messages it stands for.
    """
    return entry_header.messages if isinstance(entry_header, FrameBlock) else 1


def each_frame(frames: Iterable[Frame]) -> Iterator[Frame]:
    """
    Yield frames with every block opened into its own frames, for writers that send each.

    :param frames: frames as a send queue gives them.
    :return: the frames, no block among them.
    """
    for frame in frames:
        if isinstance(frame, tuple) and isinstance(frame[0], FrameBlock):
            yield from frame[0].frames
        else:
            yield frame
