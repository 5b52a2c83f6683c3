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

"""The figures GET /status and the diagnostics report, read from a real core (pure)."""

from core_harness import drain, handle, make_hub, spec
from foxglove_bridge_py.monitoring.status_report import ClientLink, Figures

SUBSCRIBE = '{"op":"subscribe","subscriptions":[{"id":%d,"channelId":%d}]}'


class Clock:
    """A hand-moved stand-in."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _two_clients():
    hub = make_hub(limit=100)
    small, camera, idle = hub.add_channels([spec('/state', 't/msg/T'), spec('/camera', 't/msg/T'),
                                            spec('/idle', 't/msg/T')])
    watcher, other = hub.connect('10.0.0.7:5000'), hub.connect('10.0.0.8:6000')
    drain(watcher), drain(other)
    handle(hub, watcher, SUBSCRIBE % (1, small.id))
    handle(hub, watcher, SUBSCRIBE % (2, camera.id))
    handle(hub, other, SUBSCRIBE % (3, small.id))
    drain(watcher), drain(other)
    return hub, small, camera, watcher, other


def test_the_report_names_each_client_its_subscriptions_queue_and_losses():
    hub, small, camera, watcher, other = _two_clients()
    links = {watcher.client_id: ClientLink('10.0.0.7:5000', 'foxglove.websocket.v1',
                                           'https://app.foxglove.dev', 1767225600.0, 0.25)}
    figures = Figures(hub, lambda: links, lambda: 0.0125, Clock())
    # The watcher does not read: three 60-byte frames on /camera, two dropped to fit 100 bytes.
    hub.fanout.deliver([(camera.id, n, n, bytes(60)) for n in range(3)])
    report = figures.report()
    assert report['server'] == {
        'name': 'test', 'session_id': '1', 'ros_distro': 'x', 'uptime_s': 0.0, 'clients': 2,
        'channels': 3, 'subscribed_channels': 2, 'bytes_per_s': 0, 'messages_per_s': 0.0,
        'drops_per_s': 0.0, 'loop_lag_ms': 0.0, 'period_s': None}
    first, second = report['clients']
    assert (first['id'], first['name'], first['subscriptions']) == (
        watcher.client_id, '10.0.0.7:5000', ['/camera', '/state'])
    assert first['dropped_messages'] == 2
    assert first['dropped_by_topic'] == {'/camera': 2}
    # The frame kept with its 13-byte header, and the 166-byte status that reports the drops.
    assert (first['queued_bytes'], first['queue_fill']) == (73 + 166, 0.73)
    assert first['link_bytes_per_s'] is None  # nothing written yet: the link is not measured
    assert (first['subprotocol'], first['origin'], first['connected_since'],
            first['last_pong_age_s']) == ('foxglove.websocket.v1', 'https://app.foxglove.dev',
                                          '2026-01-01T00:00:00+00:00', 0.25)
    assert (second['subscriptions'], second['dropped_messages'], second['queued_bytes']) == (
        ['/state'], 0, 0)
    assert 'subprotocol' not in second  # the server no longer knows its connection
    assert (first['token'], first['role']) == (None, 'operator')  # no access file
    assert report['channels'] == [
        {'id': camera.id, 'topic': '/camera', 'schema_name': 't/msg/T', 'subscribers': 1,
         'messages_per_s': 0.0},
        {'id': camera.id + 1, 'topic': '/idle', 'schema_name': 't/msg/T', 'subscribers': 0,
         'messages_per_s': 0.0},
        {'id': small.id, 'topic': '/state', 'schema_name': 't/msg/T', 'subscribers': 2,
         'messages_per_s': 0.0}]


def test_rates_are_the_differences_between_two_ticks():
    hub, small, camera, watcher, other = _two_clients()
    clock = Clock()
    lags = iter([0.0, 0.3, 0.0])
    figures = Figures(hub, dict, lambda: next(lags), clock)
    figures.tick()  # what the clients got at connecting is in this first period
    clock.now += 2.0
    hub.fanout.deliver([(camera.id, n, n, bytes(60)) for n in range(3)])
    hub.fanout.deliver([(small.id, 3, 3, bytes(10))])
    assert len(other.send_queue.take(1 << 20)) == 1
    report = figures.tick()
    server, (first, second) = report['server'], report['clients']
    assert (second['bytes_per_s'], second['messages_per_s']) == (12, 0.5)  # 23 bytes in 2 s
    assert first['dropped_last_period'] == {'/camera': 2}
    assert (server['drops_per_s'], server['loop_lag_ms'], server['period_s']) == (1.0, 300.0, 2.0)
    assert (server['bytes_per_s'], server['messages_per_s']) == (12, 0.5)
    assert [(c['topic'], c['messages_per_s']) for c in report['channels']] == [
        ('/camera', 1.5), ('/idle', 0.0), ('/state', 0.5)]
    assert server['uptime_s'] == 2.0
    # Nothing more happens: the next period has no drops, and the totals stay.
    clock.now += 1.0
    report = figures.tick()
    first = report['clients'][0]
    assert (first['dropped_last_period'], first['dropped_messages']) == ({}, 2)
    assert (report['server']['drops_per_s'], report['server']['loop_lag_ms']) == (0.0, 0.0)
    assert report == figures.report()
