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
Reading and writing the few CDR messages the twins need, without rclpy and without copies.

A raw subscription hands over serialized bytes; building an rclpy message of a 6 MB frame or a
1 M-point cloud to read a header and a size would copy all of it. These read fields in order,
aligned to their size from the start of the payload (after the 4-byte encapsulation header),
and give byte sequences as views into the message.
"""

from __future__ import annotations

import struct

_FORMATS = {True: '<', False: '>'}
CDR_LITTLE_ENDIAN = b'\x00\x01\x00\x00'


class CdrError(ValueError):
    """Bytes that do not hold the message they should; the text says what is wrong."""


class CdrReader:
    """Reads the fields of one CDR message in order."""

    def __init__(self, cdr: bytes) -> None:
        """
        Start after the encapsulation header.

        :param cdr: the serialized message.
        :raises CdrError: if it is not plain CDR.
        """
        if len(cdr) < 4 or cdr[0] != 0 or cdr[1] not in (0, 1):
            raise CdrError('not CDR data')
        self.view = memoryview(cdr)
        self.order = _FORMATS[cdr[1] == 1]
        self.offset = 4

    def _unpack(self, code: str, size: int) -> tuple:
        self.offset += -(self.offset - 4) % size
        try:
            values = struct.unpack_from(self.order + code, self.view, self.offset)
        except struct.error:
            raise CdrError('the message is shorter than its fields say') from None
        self.offset += struct.calcsize(code)
        return values

    def u8(self) -> int:
        """:return: the next octet (bool, uint8)."""
        return self._unpack('B', 1)[0]

    def u32(self) -> int:
        """:return: the next uint32 (a size, a sequence length)."""
        return self._unpack('I', 4)[0]

    def stamp(self) -> tuple[int, int]:
        """:return: the next builtin_interfaces/Time as (sec, nanosec)."""
        return self._unpack('iI', 4)

    def string(self) -> str:
        """:return: the next string."""
        raw = self.take(self.u32())
        return bytes(raw[:-1] if len(raw) else raw).decode('utf-8', 'replace')

    def take(self, length: int) -> memoryview:
        """
        Take the next bytes as a view.

        :param length: how many.
        :return: the view.
        :raises CdrError: if the message is shorter.
        """
        if self.offset + length > len(self.view):
            raise CdrError('the message is shorter than its fields say')
        part = self.view[self.offset:self.offset + length]
        self.offset += length
        return part


class CdrWriter:
    """Writes the fields of one little-endian CDR message in order."""

    def __init__(self) -> None:
        """Start with the encapsulation header."""
        self.out = bytearray(CDR_LITTLE_ENDIAN)

    def _pack(self, code: str, size: int, *values: object) -> None:
        self.out.extend(b'\x00' * (-(len(self.out) - 4) % size))
        self.out.extend(struct.pack('<' + code, *values))

    def u8(self, value: int) -> None:
        """:param value: an octet (bool, uint8)."""
        self._pack('B', 1, value)

    def u32(self, value: int) -> None:
        """:param value: a uint32."""
        self._pack('I', 4, value)

    def stamp(self, sec: int, nanosec: int) -> None:
        """
        Write a builtin_interfaces/Time.

        :param sec: seconds.
        :param nanosec: nanoseconds.
        """
        self._pack('iI', 4, sec, nanosec)

    def string(self, text: str) -> None:
        """:param text: a string."""
        raw = text.encode() + b'\x00'
        self.u32(len(raw))
        self.out.extend(raw)

    def octets(self, data: bytes) -> None:
        """:param data: a sequence<uint8>, length first."""
        self.u32(len(data))
        self.out.extend(data)

    def getvalue(self) -> bytes:
        """:return: the message's bytes."""
        return bytes(self.out)
