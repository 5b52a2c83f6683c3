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

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import Capability, ClientSession, Effect


@dataclass(frozen=True)
class PlaybackControl:
    """Effect: a client asked to play, pause, seek or change speed."""

    client_id: int
    request: protocol.PlaybackControlRequest


class PlaybackRequests(Capability):
    """Hands clients' PlaybackControlRequests to the playback source."""

    def __init__(self) -> None:
        """Accept PlaybackControlRequest."""
        self.handlers = {protocol.PlaybackControlRequest: PlaybackRequests._on_control}

    def _on_control(self, session: ClientSession, message: protocol.PlaybackControlRequest
                    ) -> list[Effect]:
        return [PlaybackControl(session.client_id, message)]
