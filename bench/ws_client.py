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

"""WebSocket clients that subscribe to the benchmark's topics and measure what arrives."""

import argparse
import asyncio
import json
import struct
import time

from common import frames_for, now_ns, report, stamp_ns, stream_topics, summary
import websockets

HEADER = struct.Struct('<BIQ')


async def connect(url, topics, compression=None):
    ws = await websockets.connect(url, subprotocols=['foxglove.sdk.v1', 'foxglove.websocket.v1'],
                                  max_size=None, compression=compression)
    waiting = set(topics)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        found = [c for c in message.get('channels', []) if c['topic'] in waiting]
        if found:
            await ws.send(json.dumps({'op': 'subscribe', 'subscriptions': [
                {'id': c['id'], 'channelId': c['id']} for c in found]}))
            waiting -= {c['topic'] for c in found}
        if not waiting:
            return ws
    raise SystemExit(f'{sorted(waiting)} never advertised')


async def measure(ws, seconds, stats):
    latencies, totals = stats['latencies'], stats['totals']
    async for frame in frames_for(ws, seconds):
        if isinstance(frame, bytes) and frame[0] == 1:
            now = now_ns()
            payload = memoryview(frame)[HEADER.size:]
            latencies.append(now - stamp_ns(bytes(payload[:32])))
            totals[0] += 1
            totals[1] += len(payload)
            if stats['first'] is None:
                stats['first'] = time.monotonic()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('url')
    parser.add_argument('seconds', type=float)
    parser.add_argument('--clients', type=int, default=1)
    parser.add_argument('--stalled', type=int, default=0,
                        help='extra clients that subscribe and then never read')
    parser.add_argument('--deflate', action='store_true', help='offer permessage-deflate')
    parser.add_argument('--stream', default='small', help='whose topics to subscribe to')
    args = parser.parse_args()
    compression = 'deflate' if args.deflate else None
    topics = stream_topics(args.stream)
    clients = [await connect(args.url, topics, compression) for _ in range(args.clients)]
    stalled = [await connect(args.url, topics) for _ in range(args.stalled)]
    for ws in stalled:
        ws.transport.pause_reading()
    report({'ready': True})
    stats = [{'latencies': [], 'totals': [0, 0], 'first': None} for _ in clients]
    await asyncio.gather(*(measure(ws, args.seconds, s) for ws, s in zip(clients, stats)))
    results = [summary(s['latencies'], s['totals'][0], s['totals'][1],
                       time.monotonic() - (s['first'] or time.monotonic())) for s in stats]
    report({'clients': results})
    for ws in stalled:
        ws.transport.abort()
    for ws in clients:
        await ws.close()


if __name__ == '__main__':
    asyncio.run(main())
