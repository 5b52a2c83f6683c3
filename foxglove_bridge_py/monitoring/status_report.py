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
The bridge's figures as one JSON-able dict: for ``GET /status`` and the bridge's diagnostics.

Who is connected, what each client subscribes to, what waits for it and what it lost: the
questions a robot developer asks when the app shows stale data. Totals are read from the core
as they are; rates (bytes, messages and drops per second) are the differences between two
:meth:`Figures.tick` calls, once a second, of counters the send path keeps per batch. Nothing is
counted for this on the per-message path. Pure.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
import time
from typing import Callable, Mapping, NamedTuple, Optional, TypedDict

from foxglove_bridge_py.core.client_session import ClientSession
from foxglove_bridge_py.core.hub import Hub


class ClientLink(NamedTuple):
    """What the server knows of a client's connection, beside the core."""

    address: str
    subprotocol: Optional[str]
    origin: Optional[str]
    connected_at: float
    """Wall-clock seconds."""
    last_pong_age: float
    """Seconds since the client last answered a ping (or the handshake)."""


class _Counts(NamedTuple):
    sent_bytes: int
    sent_messages: int
    dropped_by_channel: Counter[int]


class Rates(TypedDict):
    """A client's rates over the last closed period."""

    bytes_per_s: int
    messages_per_s: float
    dropped_last_period: dict[str, int]


class _LinkFigures(TypedDict, total=False):
    subprotocol: Optional[str]
    origin: Optional[str]
    connected_since: str
    last_pong_age_s: float


class ClientFigures(_LinkFigures):
    """One client in ``/status``: who it is, what it holds, its rates; its link if known."""

    id: int  # noqa: A003 - the report's name
    name: str
    token: Optional[str]
    role: str
    subscriptions: list[str]
    queued_bytes: int
    queue_fill: float
    dropped_messages: int
    dropped_by_topic: dict[str, int]
    link_bytes_per_s: Optional[int]
    bytes_per_s: int
    messages_per_s: float
    dropped_last_period: dict[str, int]


class ServerFigures(TypedDict):
    """The server in ``/status``."""

    name: str
    session_id: str
    ros_distro: Optional[str]
    uptime_s: float
    clients: int
    channels: int
    subscribed_channels: int
    bytes_per_s: int
    messages_per_s: float
    drops_per_s: float
    loop_lag_ms: float
    period_s: Optional[float]


class ChannelFigures(TypedDict):
    """One channel in ``/status``."""

    id: int  # noqa: A003 - the report's name
    topic: str
    schema_name: str
    subscribers: int
    messages_per_s: float


class Report(TypedDict):
    """What ``GET /status`` answers, and what the bridge's own /diagnostics are made from."""

    server: ServerFigures
    clients: list[ClientFigures]
    channels: list[ChannelFigures]


class Figures:
    """The figures of one bridge, with per-second rates over the last closed period."""

    def __init__(self, hub: Hub, links: Callable[[], Mapping[int, ClientLink]] = dict,
                 loop_lag: Callable[[], float] = float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """
        Read a hub's figures.

        :param hub: the protocol core.
        :param links: each connected client's :class:`ClientLink`, by client id.
        :param loop_lag: the longest the loop was held up since it was last asked.
        :param clock: monotonic seconds.
        """
        self._hub = hub
        self._links = links
        self._loop_lag = loop_lag
        self._clock = clock
        self._last_tick = clock()
        self._started = clock()
        self._counts: dict[int, _Counts] = {}
        self._rates: dict[int, Rates] = {}
        self._delivered: dict[int, int] = {}
        self._channel_rates: dict[int, float] = {}
        self._lag = 0.0
        self._period: Optional[float] = None

    def tick(self) -> Report:
        """
        Close the period since the last tick: its rates replace the previous period's.

        :return: the report, as :meth:`report` would now return it.
        """
        now = self._clock()
        period = max(now - self._last_tick, 1e-3)
        self._last_tick = now
        self._lag = self._loop_lag()
        counts: dict[int, _Counts] = {}
        rates: dict[int, Rates] = {}
        for client_id, session in self._hub.sessions.items():
            queue = session.send_queue
            new = _Counts(queue.sent_bytes, queue.sent_messages, Counter(queue.dropped_by_channel))
            old = self._counts.get(client_id, _Counts(0, 0, Counter()))
            counts[client_id] = new
            rates[client_id] = {
                'bytes_per_s': round((new.sent_bytes - old.sent_bytes) / period),
                'messages_per_s': round((new.sent_messages - old.sent_messages) / period, 1),
                'dropped_last_period': self._by_topic(new.dropped_by_channel
                                                      - old.dropped_by_channel),
            }
        self._counts, self._rates = counts, rates
        delivered = dict(self._hub.fanout.delivered)
        self._channel_rates = {
            channel_id: round((count - self._delivered.get(channel_id, 0)) / period, 1)
            for channel_id, count in delivered.items()}
        self._delivered = delivered
        self._period = period
        return self.report()

    def report(self) -> Report:
        """
        Describe the server, every client and every channel.

        :return: ``{"server": {...}, "clients": [...], "channels": [...]}``, for ``json.dumps``.
        """
        hub = self._hub
        sessions = list(hub.sessions.values())
        subscribed = {c for s in sessions for c in s.channel_subscriptions}
        links = self._links()
        clients = [self._client(session, links.get(session.client_id)) for session in sessions]
        period = self._period
        return {
            'server': {
                'name': hub.server_name, 'session_id': hub.session_id,
                'ros_distro': hub.metadata.get('ROS_DISTRO'),
                'uptime_s': round(self._clock() - self._started, 1),
                'clients': len(sessions), 'channels': len(hub.channels),
                'subscribed_channels': len(subscribed),
                'bytes_per_s': sum(c['bytes_per_s'] for c in clients),
                'messages_per_s': round(sum(c['messages_per_s'] for c in clients), 1),
                'drops_per_s': round(sum(sum(c['dropped_last_period'].values())
                                         for c in clients) / period, 1) if period else 0.0,
                'loop_lag_ms': round(self._lag * 1000, 1),
                'period_s': round(period, 3) if period else None,
            },
            'clients': clients,
            'channels': self._channels(),
        }

    def _channels(self) -> list[ChannelFigures]:
        fanout = self._hub.fanout
        return [{'id': channel.id, 'topic': channel.topic, 'schema_name': channel.schema_name,
                 'subscribers': fanout.subscriber_count(channel.id),
                 'messages_per_s': self._channel_rates.get(channel.id, 0.0)}
                for channel in sorted(self._hub.channels.values(), key=lambda c: c.topic)]

    def _client(self, session: ClientSession, link: Optional[ClientLink]) -> ClientFigures:
        hub, queue = self._hub, session.send_queue
        topics = [hub.channels[c].topic for c in session.channel_subscriptions
                  if c in hub.channels]
        throughput = queue.throughput()
        rates = self._rates.get(session.client_id, Rates(
            bytes_per_s=0, messages_per_s=0.0, dropped_last_period={}))
        client = ClientFigures(**{
            'id': session.client_id, 'name': session.name,
            # Who it is by the access file: the token's name, never the token.
            'token': session.grant.name, 'role': session.grant.role.label,
            'subscriptions': sorted(topics),
            'queued_bytes': queue.data_bytes + queue.control_bytes,
            'queue_fill': round(max(queue.data_bytes / queue.limit,
                                    queue.control_bytes / queue.control_limit), 3),
            'dropped_messages': queue.dropped,
            'dropped_by_topic': self._by_topic(queue.dropped_by_channel),
            'link_bytes_per_s': None if throughput is None else round(throughput),
            'bytes_per_s': rates['bytes_per_s'], 'messages_per_s': rates['messages_per_s'],
            'dropped_last_period': rates['dropped_last_period'],
        })
        if link is not None:
            client['subprotocol'] = link.subprotocol
            client['origin'] = link.origin
            client['connected_since'] = datetime.fromtimestamp(
                link.connected_at, timezone.utc).isoformat(timespec='seconds')
            client['last_pong_age_s'] = round(link.last_pong_age, 2)
        return client

    def _by_topic(self, by_channel: Mapping[int, int]) -> dict[str, int]:
        dropped: dict[str, int] = {}
        for channel_id, count in by_channel.items():
            if count > 0:
                topic = self._hub.describe_channel(channel_id)
                dropped[topic] = dropped.get(topic, 0) + count
        return dropped
