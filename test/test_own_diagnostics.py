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

"""The bridge's own diagnostics entries, from literal figures (pure)."""

from foxglove_bridge_py.monitoring.own_diagnostics import diagnostic_entries, own_entry_prefix

SERVER = {'name': 'foxglove_bridge_py 1.0', 'session_id': '17', 'clients': 2, 'channels': 12,
          'subscribed_channels': 3, 'bytes_per_s': 2500000, 'messages_per_s': 310.0,
          'drops_per_s': 0.0, 'loop_lag_ms': 4.2, 'period_s': 1.0}
CLIENT = {'id': 1, 'name': '10.0.0.7:5000', 'token': 'field-laptop', 'role': 'operator',
          'subscriptions': ['/camera', '/state'],
          'queued_bytes': 1200, 'queue_fill': 0.01, 'dropped_messages': 0,
          'dropped_by_topic': {}, 'link_bytes_per_s': None, 'bytes_per_s': 1250000,
          'messages_per_s': 155.0, 'dropped_last_period': {},
          'subprotocol': 'foxglove.websocket.v1', 'origin': None,
          'connected_since': '2026-12-01T18:00:00+00:00', 'last_pong_age_s': 0.31}


def test_a_healthy_bridge_is_ok_with_every_figure_as_a_value():
    server, client = diagnostic_entries({'server': SERVER, 'clients': [CLIENT]},
                                        'foxglove_bridge')
    assert (server.level, server.name, server.message, server.hardware_id) == (
        0, 'foxglove_bridge: server', '2 clients, 3 of 12 channels subscribed, 2.5 MB/s',
        'foxglove_bridge_py')
    assert dict(server.values) == {
        'clients': '2', 'channels': '12', 'subscribed_channels': '3', 'bytes_per_s': '2500000',
        'messages_per_s': '310.0', 'drops_per_s': '0.0', 'loop_lag_ms': '4.2',
        'name': 'foxglove_bridge_py 1.0', 'session_id': '17'}
    assert (client.level, client.name, client.message) == (
        0, 'foxglove_bridge: client 10.0.0.7:5000', '2 subscriptions, 1.2 MB/s')
    assert client.values == (
        ('address', '10.0.0.7:5000'), ('token', 'field-laptop'), ('role', 'operator'),
        ('subprotocol', 'foxglove.websocket.v1'),
        ('origin', ''), ('connected_since', '2026-12-01T18:00:00+00:00'),
        ('subscriptions', '/camera, /state'), ('bytes_per_s', '1250000'),
        ('messages_per_s', '155.0'), ('queued_bytes', '1200'), ('dropped_messages', '0'),
        ('last_pong_age_s', '0.31'))


def test_a_client_that_drops_or_fills_its_queue_warns_and_the_loop_lag_is_an_error():
    lossy = dict(CLIENT, dropped_last_period={'/camera': 12, '/state': 1}, queue_fill=0.8,
                 dropped_messages=40)
    server, client = diagnostic_entries(
        {'server': dict(SERVER, drops_per_s=13.0, loop_lag_ms=251.0), 'clients': [lossy]}, 'b')
    assert (server.level, server.message) == (2, 'the asyncio loop was held up 251 ms')
    assert (client.level, client.message) == (
        1, 'dropped 13 messages (/camera: 12, /state: 1); queue 80% full')
    assert client.values[-2:] == (('dropped_last_period /camera', '12'),
                                  ('dropped_last_period /state', '1'))
    server, = diagnostic_entries({'server': dict(SERVER, drops_per_s=13.0), 'clients': []}, 'b')
    assert (server.level, server.message) == (1, 'dropping 13 messages/s for slow clients')
    full = dict(CLIENT, queue_fill=0.51)
    assert diagnostic_entries({'server': SERVER, 'clients': [full]}, 'b')[1][:3] == (
        1, 'b: client 10.0.0.7:5000', 'queue 51% full')


def test_own_entries_share_the_node_name_prefix():
    assert own_entry_prefix('foxglove_bridge') == 'foxglove_bridge: '
