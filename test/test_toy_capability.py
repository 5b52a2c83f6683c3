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

"""A capability from the test folder registered on a hub: its module is all it takes."""

import json

from core_harness import ALL, drain, make_core
from foxglove_bridge_py.access.grant import Grant, Role
from foxglove_bridge_py.core.audit import audit_line
from toy_capability import BEACON, Beacon, Blink


def beacon_core(capabilities=ALL + (BEACON,)):
    core = make_core(capabilities=capabilities)
    beacon = core.hub.register(Beacon())
    return core, beacon


def test_a_registered_capability_is_offered_decoded_answered_and_handed_on():
    core, beacon = beacon_core()
    session = core.hub.connect('c')
    assert BEACON in json.loads(drain(session)[0])['capabilities']
    assert core.hub.handle_frame(session, '{"op":"blink","times":3}') == [
        Blink(session.client_id, 3)]
    assert [json.loads(f) for f in drain(session)] == [{'op': 'blinking', 'times': 3}]
    assert beacon.blinks == {session.client_id: 3}
    assert audit_line(Blink(session.client_id, 3), core.hub.sessions) == (
        'audit: a client without a token (operator, c) blinked the beacon 3 times')
    core.hub.disconnect(session)
    assert beacon.blinks == {}


def test_its_fields_are_checked_like_every_other_ops():
    core, _ = beacon_core()
    session = core.hub.connect('c')
    drain(session)
    for frame, message in (
            ('{"op":"blink"}', 'Invalid message: blink: missing field "times"'),
            ('{"op":"blink","times":-1}',
             'Invalid message: blink.times must be an integer from 0 to 4294967295, got -1'),
            ('{"op":"blink","times":11}', 'Invalid message: blink.times must be from 1 to 10, '
             'got 11')):
        assert core.hub.handle_frame(session, frame) == []
        assert [json.loads(f) for f in drain(session)] == [
            {'op': 'status', 'level': 2, 'message': message}]


def test_it_is_gated_by_its_capability_and_refused_to_a_viewer():
    core, _ = beacon_core(capabilities=ALL)
    session = core.hub.connect('c')
    drain(session)
    assert core.hub.handle_frame(session, '{"op":"blink","times":1}') == []
    assert json.loads(drain(session)[0])['message'] == (
        'Server does not support the "beacon" capability; blink ignored')
    core, _ = beacon_core()
    viewer = core.hub.connect('v', Grant(Role.VIEWER, 'lobby'))
    drain(viewer)
    assert core.hub.handle_frame(viewer, '{"op":"blink","times":1}') == []
    assert json.loads(drain(viewer)[0])['message'] == (
        'blink refused: token "lobby" is a viewer')
