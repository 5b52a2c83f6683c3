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

"""The figures GET /status reports, read from a real core (pure)."""

from core_harness import drain
from foxglove_bridge_py.status_report import status_report
from test_session import make_hub, spec

SUBSCRIBE = '{"op":"subscribe","subscriptions":[{"id":%d,"channelId":%d}]}'


def test_the_report_names_each_client_its_subscriptions_queue_and_losses():
    hub = make_hub(limit=100)
    small, camera, idle = hub.add_channels([spec('/state', 't/msg/T'), spec('/camera', 't/msg/T'),
                                            spec('/idle', 't/msg/T')])
    watcher, other = hub.connect('10.0.0.7:5000'), hub.connect('10.0.0.8:6000')
    drain(watcher), drain(other)
    hub.handle_frame(watcher, SUBSCRIBE % (1, small.id))
    hub.handle_frame(watcher, SUBSCRIBE % (2, camera.id))
    hub.handle_frame(other, SUBSCRIBE % (3, small.id))
    drain(watcher), drain(other)
    # The watcher does not read: three 60-byte frames on /camera, two dropped to fit 100 bytes.
    hub.fanout.deliver([(camera.id, n, n, bytes(60)) for n in range(3)])
    report = status_report(hub)
    assert report['server'] == {'name': 'test', 'session_id': '1', 'clients': 2, 'channels': 3,
                                'subscribed_channels': 2}
    first, second = report['clients']
    assert (first['id'], first['name'], first['subscriptions']) == (
        watcher.client_id, '10.0.0.7:5000', ['/camera', '/state'])
    assert first['dropped_messages'] == 2
    assert first['dropped_by_topic'] == {'/camera': 2}
    assert first['queued_bytes'] >= 60
    assert first['link_bytes_per_s'] is None  # nothing written yet: the link is not measured
    assert (second['subscriptions'], second['dropped_messages'], second['queued_bytes']) == (
        ['/state'], 0, 0)
