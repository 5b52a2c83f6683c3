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

"""Standing statuses without ROS: replacing, withdrawing, channel problems, /diagnostics."""

import json

from foxglove_bridge_py.core.statuses import DiagnosticLevel, Statuses
from foxglove_bridge_py.protocol import Channel, StatusLevel


def make():
    sent = []
    return Statuses(sent.append), sent


def test_a_status_is_sent_once_replaced_by_id_and_withdrawn():
    statuses, sent = make()
    statuses.set('x', StatusLevel.WARNING, 'one')
    statuses.set('x', StatusLevel.WARNING, 'one')
    statuses.set('x', StatusLevel.ERROR, 'two')
    statuses.clear(['x', 'unknown'])
    statuses.clear(['x'])
    assert [json.loads(s) for s in sent] == [
        {'op': 'status', 'level': 1, 'message': 'one', 'id': 'x'},
        {'op': 'status', 'level': 2, 'message': 'two', 'id': 'x'},
        {'op': 'removeStatus', 'statusIds': ['x']}]
    assert statuses.frames() == []


def test_channel_problems_are_withdrawn_by_kind():
    statuses, sent = make()
    channel = Channel(4, '/t', 'cdr', 'p/msg/T', '', None)
    statuses.channel_problem(channel, 'schema', StatusLevel.WARNING, 'no definition')
    statuses.channel_problem(channel, 'qos', StatusLevel.WARNING, 'mixed')
    statuses.clear_channel_problems(4, ('subscription', 'qos'))
    assert [json.loads(f)['id'] for f in statuses.frames()] == [
        'foxglove_bridge_py.schema:/t:p/msg/T']
    assert json.loads(sent[-1]) == {'op': 'removeStatus',
                                    'statusIds': ['foxglove_bridge_py.qos:/t:p/msg/T']}


def test_diagnostics_are_mirrored_until_ok():
    statuses, sent = make()
    statuses.apply_diagnostics([('motor', DiagnosticLevel.ERROR, 'hot'),
                                ('lidar', DiagnosticLevel.STALE, 'no data'),
                                ('gps', DiagnosticLevel.WARN, 'few satellites'),
                                ('cpu', DiagnosticLevel.OK, 'fine')])
    assert [(s['level'], s['message']) for s in map(json.loads, sent)] == [
        (2, 'motor: hot'), (1, 'lidar: stale (no data)'), (1, 'gps: few satellites')]
    statuses.apply_diagnostics([('motor', DiagnosticLevel.OK, 'cool')])
    assert json.loads(sent[-1]) == {'op': 'removeStatus', 'statusIds': ['diagnostics:motor']}
