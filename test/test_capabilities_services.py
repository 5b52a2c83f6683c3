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

"""Services without ROS: advertisement, the checks on a call, answers and late answers."""

import json
import struct

from core_harness import drain, handle, make_core
from foxglove_bridge_py import protocol
from foxglove_bridge_py.capabilities.services import (advertise_services, CallService,
                                                      MAX_CALLS_PER_CLIENT, service_call_response,
                                                      unadvertise_services)


def call(service_id, call_id, encoding=b'cdr', payload=b'\x00\x01'):
    return struct.pack('<BIII', 2, service_id, call_id, len(encoding)) + encoding + payload


def failures(session):
    return [(f['callId'], f['message']) for f in map(json.loads, drain(session))
            if f['op'] == 'serviceCallFailure']


def test_services_are_advertised_now_and_on_connect_and_unadvertised():
    core = make_core()
    early = core.hub.connect('early')
    drain(early)
    (added,) = core.services.add([protocol.Service(0, '/s', 'std_srvs/srv/Trigger')])
    assert core.services.add([protocol.Service(0, '/s', 'std_srvs/srv/Trigger')]) == []
    late = core.hub.connect('late')
    expected = advertise_services([added])
    assert drain(early) == [expected]
    assert expected in drain(late)
    core.services.remove(['/s', '/unknown'])
    assert drain(late) == [unadvertise_services([added.id])]


def test_a_call_is_checked_then_handed_on_and_answered_once():
    core = make_core()
    (service,) = core.services.add([protocol.Service(0, '/s', 'std_srvs/srv/Trigger')])
    session = core.hub.connect('c')
    drain(session)
    assert handle(core.hub, session, call(service.id, 1)) == [
        CallService(session.client_id, service, 1, 'cdr', b'\x00\x01')]
    assert handle(core.hub, session, call(service.id, 1)) == []
    assert handle(core.hub, session, call(99, 2)) == []
    assert handle(core.hub, session, call(service.id, 3, b'protobuf')) == []
    assert failures(session) == [
        (1, 'Call ID 1 is already in flight'), (2, 'Unknown service: 99'),
        (3, 'Unsupported encoding "protobuf" (supported: cdr, json)')]
    core.services.done(session.client_id, service.id, 1, 'cdr', b'answer')
    core.services.done(session.client_id, service.id, 1, 'cdr', None, 'late: dropped')
    assert drain(session) == [service_call_response(service.id, 1, 'cdr', b'answer')]


def test_calls_in_flight_are_capped_and_forgotten_when_the_client_leaves():
    core = make_core()
    (service,) = core.services.add([protocol.Service(0, '/s', 'std_srvs/srv/Trigger')])
    session = core.hub.connect('c')
    drain(session)
    for call_id in range(MAX_CALLS_PER_CLIENT + 1):
        handle(core.hub, session, call(service.id, call_id))
    assert failures(session) == [(MAX_CALLS_PER_CLIENT, 'Too many requests: 32 calls are '
                                                        'already in flight')]
    core.services.done(session.client_id, service.id, 0, 'cdr', None, 'timed out')
    assert failures(session) == [(0, 'timed out')]
    core.hub.disconnect(session)
    core.services.done(session.client_id, service.id, 1, 'cdr', b'late')
    assert drain(session) == []
