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

"""Playback control and server time without a recording: effects and the Time slot."""

import struct

from core_harness import drain, handle, make_core
from foxglove_bridge_py.capabilities.playback import PlaybackControl, PlaybackControlRequest
from foxglove_bridge_py.capabilities.server_time import time_frame


def test_a_playback_request_becomes_an_effect_for_the_source():
    core = make_core()
    session = core.hub.connect('c')
    request = struct.pack('<BBfBQI', 3, 0, 2.0, 1, 42, 2) + b'id'
    assert handle(core.hub, session, request) == [PlaybackControl(
        session.client_id, PlaybackControlRequest(0, 2.0, 42, 'id'))]


def test_time_reaches_every_client_latest_only():
    core = make_core()
    sessions = [core.hub.connect(str(i)) for i in range(2)]
    for session in sessions:
        drain(session)
    for stamp in (1, 2, 3):
        core.time.advance(stamp)
    assert [drain(s) for s in sessions] == [[time_frame(3)]] * 2
