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
The bridge's own diagnostics: its figures as ``diagnostic_msgs/DiagnosticStatus`` entries.

One entry for the server and one per client, published on /diagnostics once a second
(``publish_diagnostics``), so that the app's Diagnostics panel, ``rqt_robot_monitor`` and any
monitoring system see from the robot side which client is behind and what it loses. A client
is WARN while it loses data or its queue is over half full; the server is ERROR while the
asyncio loop lags over :data:`LOOP_LAG_ERROR`. Entry names start with the node's name, which is
how the bridge keeps them out of its own mirror of /diagnostics (``diagnostics_as_status``).
Pure: ``ros.endpoints`` turns these into messages.
"""

from __future__ import annotations

from typing import NamedTuple

from foxglove_bridge_py.core.statuses import DiagnosticLevel
from foxglove_bridge_py.monitoring.status_report import ClientFigures, Report, ServerFigures

LOOP_LAG_ERROR = 0.25
"""Seconds the asyncio loop may be held up before the server's entry is an ERROR."""
QUEUE_WARN_FILL = 0.5
"""Share of a client's queue budget over which its entry is a WARN."""
HARDWARE_ID = 'foxglove_bridge_py'


class DiagnosticEntry(NamedTuple):
    """One DiagnosticStatus: level, name, message, hardware id and key-value pairs."""

    level: int
    name: str
    message: str
    hardware_id: str
    values: tuple[tuple[str, str], ...]


def own_entry_prefix(node_name: str) -> str:
    """
    Give the prefix of the bridge's own entry names.

    :param node_name: the bridge node's name.
    :return: e.g. ``foxglove_bridge: ``.
    """
    return f'{node_name}: '


def diagnostic_entries(report: Report, node_name: str) -> list[DiagnosticEntry]:
    """
    Turn the figures into one entry for the server and one per client.

    :param report: what :meth:`status_report.Figures.tick` returned.
    :param node_name: the bridge node's name, the first part of each entry's name.
    :return: the entries, the server's first.
    """
    prefix = own_entry_prefix(node_name)
    return [_server_entry(report['server'], prefix)] + [
        _client_entry(client, prefix) for client in report['clients']]


def _rate(bytes_per_s: float) -> str:
    for unit, size in (('MB/s', 1e6), ('kB/s', 1e3)):
        if bytes_per_s >= size:
            return f'{bytes_per_s / size:.1f} {unit}'
    return f'{bytes_per_s:.0f} B/s'


def _server_entry(server: ServerFigures, prefix: str) -> DiagnosticEntry:
    lag = server['loop_lag_ms'] / 1000
    if lag > LOOP_LAG_ERROR:
        level = DiagnosticLevel.ERROR
        message = f'the asyncio loop was held up {lag * 1000:.0f} ms'
    elif server['drops_per_s'] > 0:
        level = DiagnosticLevel.WARN
        message = f'dropping {server["drops_per_s"]:g} messages/s for slow clients'
    else:
        level = DiagnosticLevel.OK
        message = (f'{server["clients"]} clients, {server["subscribed_channels"]} of '
                   f'{server["channels"]} channels subscribed, {_rate(server["bytes_per_s"])}')
    values = (('clients', server['clients']), ('channels', server['channels']),
              ('subscribed_channels', server['subscribed_channels']),
              ('bytes_per_s', server['bytes_per_s']), ('messages_per_s', server['messages_per_s']),
              ('drops_per_s', server['drops_per_s']), ('loop_lag_ms', server['loop_lag_ms']),
              ('name', server['name']), ('session_id', server['session_id']))
    return DiagnosticEntry(level, f'{prefix}server', message, HARDWARE_ID,
                           tuple((key, str(value)) for key, value in values))


def _client_entry(client: ClientFigures, prefix: str) -> DiagnosticEntry:
    dropped = client['dropped_last_period']
    problems = []
    if dropped:
        by_topic = ', '.join(f'{topic}: {count}' for topic, count in sorted(dropped.items()))
        problems.append(f'dropped {sum(dropped.values())} messages ({by_topic})')
    if client['queue_fill'] > QUEUE_WARN_FILL:
        problems.append(f'queue {client["queue_fill"]:.0%} full')
    level = DiagnosticLevel.WARN if problems else DiagnosticLevel.OK
    message = '; '.join(problems) or (
        f'{len(client["subscriptions"])} subscriptions, {_rate(client["bytes_per_s"])}')
    values = [('address', client['name']), ('token', client['token']), ('role', client['role']),
              ('subprotocol', client.get('subprotocol')),
              ('origin', client.get('origin')), ('connected_since', client.get('connected_since')),
              ('subscriptions', ', '.join(client['subscriptions'])),
              ('bytes_per_s', client['bytes_per_s']),
              ('messages_per_s', client['messages_per_s']),
              ('queued_bytes', client['queued_bytes']),
              ('dropped_messages', client['dropped_messages']),
              ('last_pong_age_s', client.get('last_pong_age_s'))]
    values += [(f'dropped_last_period {topic}', count) for topic, count in sorted(dropped.items())]
    return DiagnosticEntry(level, f'{prefix}client {client["name"]}', message, HARDWARE_ID,
                           tuple((key, '' if value is None else str(value))
                                 for key, value in values))
