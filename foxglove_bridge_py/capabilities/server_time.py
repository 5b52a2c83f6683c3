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
Time: the server's clock (``/clock`` under sim time, or a recording's), sent to every client.

A Time frame is a single slot in each client's scheduler: only the latest unsent one goes out.
"""

from __future__ import annotations

import struct
from typing import Mapping

from foxglove_bridge_py.core.client_session import ClientSession
from foxglove_bridge_py.core.ops import CapabilityModule
from foxglove_bridge_py.protocol import ServerBinaryOpcode

TIME_FRAME = struct.Struct('<BQ')
"""Time: opcode, the server's time in nanoseconds."""


def time_frame(timestamp_ns: int) -> bytes:
    """
    Encode a Time frame.

    :param timestamp_ns: the server's current time in nanoseconds.
    :return: the frame.
    """
    return TIME_FRAME.pack(ServerBinaryOpcode.TIME, timestamp_ns)


class ServerTime(CapabilityModule):
    """Sends the clock to every client."""

    def __init__(self, sessions: Mapping[int, ClientSession]) -> None:
        """
        Send time to a hub's clients.

        :param sessions: the hub's clients by id.
        """
        self._sessions = sessions

    def advance(self, timestamp_ns: int) -> None:
        """
        Send every client the server's current time.

        :param timestamp_ns: the time in nanoseconds.
        """
        frame = time_frame(timestamp_ns)
        for session in self._sessions.values():
            session.send_queue.put_time(frame)
