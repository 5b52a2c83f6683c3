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
The bridge's figures as one JSON-able dict, for ``GET /status``.

Who is connected, what each client subscribes to, what waits for it and what it lost: the
questions a robot developer asks when the app shows stale data. Read from the core as it is,
on the loop, when asked; nothing is counted for it on the message path. Pure.
"""

from __future__ import annotations

from typing import Any

from foxglove_bridge_py.session import Hub


def status_report(hub: Hub) -> dict[str, Any]:
    """
    Describe the server and every client.

    :param hub: the protocol core.
    :return: ``{"server": {...}, "clients": [...]}``, ready for ``json.dumps``.
    """
    sessions = list(hub.sessions.values())
    subscribed = {c for s in sessions for c in s.channel_subscriptions}
    return {
        'server': {'name': hub.server_name, 'session_id': hub.session_id,
                   'clients': len(sessions), 'channels': len(hub.channels),
                   'subscribed_channels': len(subscribed)},
        'clients': [_client(hub, session) for session in sessions],
    }


def _client(hub: Hub, session: Any) -> dict[str, Any]:
    queue = session.queue
    topics = {c: hub.channels[c].topic for c in session.channel_subscriptions
              if c in hub.channels}
    dropped = {}
    for channel_id, count in queue.dropped_by_channel.items():
        topic = topics.get(channel_id) or _topic(hub, channel_id)
        dropped[topic] = dropped.get(topic, 0) + count
    throughput = queue.throughput()
    return {'id': session.client_id, 'name': session.name,
            'subscriptions': sorted(topics.values()),
            'queued_bytes': queue.data_bytes + queue.control_bytes,
            'dropped_messages': queue.dropped, 'dropped_by_topic': dropped,
            'link_bytes_per_s': None if throughput is None else round(throughput)}


def _topic(hub: Hub, channel_id: int) -> str:
    channel = hub.channels.get(channel_id)
    return channel.topic if channel is not None else f'channel {channel_id} (gone)'
