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

"""A capability the package does not know, registered with one line: its module is all."""

import json

from core_harness import drain, handle, make_core
from foxglove_bridge_py.access.grant import Grant, Role
from foxglove_bridge_py.config import BridgeConfig, KNOWN_CAPABILITIES
from foxglove_bridge_py.core.audit import audit_line
from foxglove_bridge_py.core.ops import CapabilityModule
import pytest
from toy_capability import BEACON, Beacon, Blink


class Light:

    def __init__(self):
        self.blinked = []

    def blink(self, effect):
        self.blinked.append(effect)


def beacon_core():
    # The bridge's own build path, then the one line that adds the capability.
    core = make_core()
    light = Light()
    beacon = core.hub.register(Beacon(light))
    return core, beacon, light


def test_a_registered_capability_is_offered_decoded_answered_and_carried_out():
    assert BEACON not in KNOWN_CAPABILITIES
    core, beacon, light = beacon_core()
    session = core.hub.connect('c')
    assert BEACON in json.loads(drain(session)[0])['capabilities']
    effects = handle(core.hub, session, '{"op":"blink","times":3}')
    assert effects == [Blink(session.client_id, 3)]
    assert [json.loads(f) for f in drain(session)] == [{'op': 'blinking', 'times': 3}]
    assert beacon.blinks == {session.client_id: 3}
    core.hub.effects.carry_out(effects)
    assert light.blinked == [Blink(session.client_id, 3)]
    assert audit_line(Blink(session.client_id, 3), core.hub.sessions) == (
        'audit: a client without a token (operator, c) blinked the beacon 3 times')
    core.hub.disconnect(session)
    assert beacon.blinks == {}


def test_its_fields_are_checked_like_every_other_ops():
    core, _, light = beacon_core()
    session = core.hub.connect('c')
    drain(session)
    for frame, message in (
            ('{"op":"blink"}', 'Invalid message: blink: missing field "times"'),
            ('{"op":"blink","times":-1}',
             'Invalid message: blink.times must be an integer from 0 to 4294967295, got -1'),
            ('{"op":"blink","times":11}', 'Invalid message: blink.times must be from 1 to 10, '
             'got 11')):
        assert handle(core.hub, session, frame) == []
        assert [json.loads(f) for f in drain(session)] == [
            {'op': 'status', 'level': 2, 'message': message}]
    assert light.blinked == []


def test_only_its_module_offers_it_and_a_viewer_is_refused():
    # Without the module the name is not offered, even when the parameter lists it: the
    # parameter chooses among the protocol's capabilities.
    config = BridgeConfig.from_parameters({'capabilities': ['services', BEACON]})
    assert BEACON not in config.capabilities
    core = make_core()
    session = core.hub.connect('c')
    assert BEACON not in json.loads(drain(session)[0])['capabilities']
    assert handle(core.hub, session, '{"op":"blink","times":1}') == []
    assert json.loads(drain(session)[0])['message'] == 'Unrecognized client opcode "blink"'
    core, _, light = beacon_core()
    viewer = core.hub.connect('v', Grant(Role.VIEWER, 'lobby'))
    drain(viewer)
    assert handle(core.hub, viewer, '{"op":"blink","times":1}') == []
    assert json.loads(drain(viewer)[0])['message'] == (
        'blink refused: token "lobby" is a viewer')
    assert light.blinked == []


def test_a_module_cannot_offer_a_capability_of_the_protocols():
    class Sneaky(CapabilityModule):
        offers = 'services'

    with pytest.raises(ValueError, match='the capabilities parameter offers it'):
        make_core(capabilities=()).hub.register(Sneaky())
