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

"""Churn: many clients come and go while topics appear and vanish; nothing leaks or breaks."""

import asyncio
import json
import logging
import os
import time

from bridge_harness import TIMEOUT, wait_for
import pytest

pytest.importorskip('rclpy')
psutil = pytest.importorskip('psutil')

from std_msgs.msg import String  # noqa: E402
import websockets  # noqa: E402

CHURN_SECONDS = float(os.environ.get('FOXGLOVE_CHURN_SECONDS', '60'))
CLIENTS = 100


class Errors(logging.Handler):

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


async def one_client(url, index):
    """Connect, subscribe to every channel, maybe advertise one, and leave."""
    async with websockets.connect(url, subprotocols=['foxglove.websocket.v1'],
                                  max_size=None) as ws:
        channels = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            if message['op'] == 'advertise':
                channels.extend(c['id'] for c in message['channels'])
                break
        await ws.send(json.dumps({'op': 'subscribe', 'subscriptions': [
            {'id': i, 'channelId': c} for i, c in enumerate(channels)]}))
        if index % 10 == 0:
            await ws.send(json.dumps({'op': 'advertise', 'channels': [{
                'id': 1, 'topic': f'/churn/from_client_{index}', 'encoding': 'cdr',
                'schemaName': 'std_msgs/msg/String'}]}))
        # Frames are handled in order: once this is answered, the ones before it were handled.
        await ws.send(json.dumps({'op': 'unsubscribe', 'subscriptionIds': [999999]}))
        while True:
            frame = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if isinstance(frame, str) and '999999' in json.loads(frame).get('message', ''):
                break


def test_clients_and_topics_churn_without_leaks(run_bridge, helper_node):
    errors = Errors()
    logging.getLogger('foxglove_bridge_py').addHandler(errors)
    topics = [f'/churn/topic_{i}' for i in range(10)]
    live = {}
    flips = [0]

    def flip_a_topic():
        topic = topics[flips[0] % len(topics)]
        flips[0] += 1
        if topic in live:
            helper_node.destroy_publisher(live.pop(topic))
        else:
            live[topic] = helper_node.create_publisher(String, topic, 10)
            live[topic].publish(String(data='x'))

    timer = helper_node.create_timer(0.05, flip_a_topic)  # topics come and go at 20 Hz
    # Rounds overlap (a closed client may still be leaving the bridge as the next connects),
    # so the client limit is set above what two rounds can reach.
    bridge = run_bridge(max_clients=10 * CLIENTS)
    process = psutil.Process()
    rounds = 0

    async def churn():
        nonlocal rounds
        start_rss = None
        deadline = time.monotonic() + CHURN_SECONDS
        while time.monotonic() < deadline:
            await asyncio.gather(*(one_client(bridge.url, i) for i in range(CLIENTS)))
            rounds += 1
            if rounds == 3:
                start_rss = process.memory_info().rss
        return start_rss

    try:
        start_rss = asyncio.run(churn())
    finally:
        helper_node.destroy_timer(timer)
    wait_for(lambda: not bridge.call(lambda: bridge.bridge.hub.sessions), what='no clients')
    for topic in topics:
        wait_for(lambda t=topic: not [i for i in helper_node.get_subscriptions_info_by_topic(t)
                                      if i.node_name == 'foxglove_bridge'],
                 what=f'no bridge subscription left on {topic}')
    for index in range(0, CLIENTS, 10):
        wait_for(lambda t=f'/churn/from_client_{index}': helper_node.count_publishers(t) == 0,
                 what='every client publisher destroyed')
    logging.getLogger('foxglove_bridge_py').removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]
    assert rounds >= 3
    growth_mb = (process.memory_info().rss - start_rss) / 1e6
    assert growth_mb < 50, f'RSS grew {growth_mb:.0f} MB over {rounds} rounds'
    print(f'{rounds} rounds of {CLIENTS} clients, {flips[0]} topic flips, '
          f'RSS growth after warm-up {growth_mb:.1f} MB')
