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
Playback control: clients play, pause, seek and change the speed of a recording.

Requests become :class:`PlaybackControl` effects for the playback source; its answers
(PlaybackState) go to every client behind the data queued before them.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import Optional, Protocol

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import ClientSession, Effect
from foxglove_bridge_py.core.ops import BinaryOp, CapabilityModule, route
from foxglove_bridge_py.protocol import ClientBinaryOpcode, ProtocolError, ServerBinaryOpcode

PLAYBACK_CONTROL_HEADER = struct.Struct('<BBfBQI')
"""PlaybackControlRequest: opcode, command, speed, had seek, seek time, request id length."""
PLAYBACK_STATE_HEADER = struct.Struct('<BBQfBI')
"""PlaybackState: opcode, status, current time, speed, did seek, request id length."""


# --- the op and the answer ----------------------------------------------------------------------

@dataclass(frozen=True)
class PlaybackControlRequest:
    """Binary PlaybackControlRequest."""

    command: int
    speed: float
    seek_time: Optional[int]
    request_id: str


def _decode_control(view: memoryview) -> PlaybackControlRequest:
    if len(view) < PLAYBACK_CONTROL_HEADER.size:
        raise ProtocolError('Invalid message: PlaybackControlRequest buffer too short')
    _, command, speed, had_seek, seek_ns, id_len = PLAYBACK_CONTROL_HEADER.unpack_from(view)
    start = PLAYBACK_CONTROL_HEADER.size
    if len(view) != start + id_len:
        raise ProtocolError('Invalid message: PlaybackControlRequest request id length '
                            'does not match the buffer')
    if command not in (0, 1):
        raise ProtocolError(f'Invalid message: unknown playback command {command}')
    request_id = protocol.utf8(view[start:], 'PlaybackControlRequest request id')
    return PlaybackControlRequest(command, speed, seek_ns if had_seek else None, request_id)


CONTROL = BinaryOp('playbackControlRequest', ClientBinaryOpcode.PLAYBACK_CONTROL_REQUEST,
                   _decode_control, protocol.Capability.PLAYBACK_CONTROL.value)
"""Changes the robot only when a recording is published into ROS: see
:class:`PlaybackRequests`."""


def playback_state(status_code: int, current_time_ns: int, speed: float, did_seek: bool,
                   request_id: str = '') -> bytes:
    """
    Encode a PlaybackState frame.

    :param status_code: 0 playing, 1 paused, 2 buffering, 3 ended.
    :param current_time_ns: the playback time in nanoseconds.
    :param speed: playback speed as a factor of real time.
    :param did_seek: whether this state follows a seek.
    :param request_id: the request answered, or empty when unsolicited.
    :return: the frame.
    """
    rid = request_id.encode()
    return PLAYBACK_STATE_HEADER.pack(ServerBinaryOpcode.PLAYBACK_STATE, status_code,
                                      current_time_ns, speed, int(did_seek), len(rid)) + rid


# --- the effect and the capability --------------------------------------------------------------


class PlaybackControls(Protocol):
    """What plays the recording (``playback.source``): it carries out :class:`PlaybackControl`."""

    def control(self, request: PlaybackControlRequest) -> None:
        """
        Apply a client's request and answer every client with a PlaybackState.

        :param request: the request.
        """


@dataclass(frozen=True)
class PlaybackControl(Effect):
    """Effect: a client asked to play, pause, seek or change speed."""

    client_id: int
    request: PlaybackControlRequest


class PlaybackRequests(CapabilityModule):
    """Hands clients' PlaybackControlRequests to the playback source."""

    def __init__(self, publishes: bool = False) -> None:
        """
        Accept PlaybackControlRequest.

        :param publishes: the recording is published into ROS (``playback_publish``), so the
            controls drive what ROS receives: a viewer is refused them.
        """
        self.routes = (route(CONTROL, self._on_control).acting(publishes),)

    def _on_control(self, session: ClientSession, message: PlaybackControlRequest
                    ) -> list[Effect]:
        return [PlaybackControl(session.client_id, message)]
