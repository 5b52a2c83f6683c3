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
import lean_ws
import websockets

HEADER = struct.Struct('<BIQ')


async def subscribe_when_advertised(next_json, send_text, topics):
    """Subscribe to ``topics`` as their channels are advertised."""
    waiting = set(topics)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        message = await next_json(30)
        found = [c for c in message.get('channels', []) if c['topic'] in waiting]
        if found:
            await send_text(json.dumps({'op': 'subscribe', 'subscriptions': [
                {'id': c['id'], 'channelId': c['id']} for c in found]}))
            waiting -= {c['topic'] for c in found}
        if not waiting:
            return
    raise SystemExit(f'{sorted(waiting)} never advertised')


def counter(stats):
    """
    Return ``on_binary(buffer, start, end, now)`` that counts MessageData frames and latencies.

    :param stats: where the counts go (``latencies``, ``totals``, ``first``).
    :return: called with a frame's payload as ``buffer[start:end]``, and when it was read.
    """
    latencies, totals = stats['latencies'], stats['totals']
    header_size = HEADER.size

    def on_binary(buffer, start, end, now):
        if buffer[start] == 1:
            payload = start + header_size
            latencies.append(now - stamp_ns(buffer[payload:payload + 32]))
            totals[0] += 1
            totals[1] += end - payload
            if stats['first'] is None:
                stats['first'] = time.monotonic()

    return on_binary


async def connect_lean(url, topics, stats):
    client = await lean_ws.connect(url, counter(stats) if stats else lambda *frame: None)

    async def send_text(text):
        client.send_text(text)

    await subscribe_when_advertised(lambda timeout: lean_ws.next_json(client, timeout),
                                    send_text, topics)
    return client


async def connect(url, topics, compression=None):
    ws = await websockets.connect(url, subprotocols=['foxglove.sdk.v1', 'foxglove.websocket.v1'],
                                  max_size=None, compression=compression)

    async def next_json(timeout):
        return json.loads(await asyncio.wait_for(ws.recv(), timeout))

    await subscribe_when_advertised(next_json, ws.send, topics)
    return ws


async def measure(ws, seconds, stats):
    on_binary = counter(stats)
    async for frame in frames_for(ws, seconds):
        if isinstance(frame, bytes):
            on_binary(frame, 0, len(frame), now_ns())


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
    topics = stream_topics(args.stream)
    stats = [{'latencies': [], 'totals': [0, 0], 'first': None} for _ in range(args.clients)]
    if args.deflate:
        # permessage-deflate needs the websockets client; everything else takes the lean one.
        clients = [await connect(args.url, topics, 'deflate') for _ in range(args.clients)]
    else:
        clients = [await connect_lean(args.url, topics, s) for s in stats]
    stalled = [await connect_lean(args.url, topics, None) for _ in range(args.stalled)]
    for client in stalled:
        client.transport.pause_reading()
    report({'ready': True})
    if args.deflate:
        await asyncio.gather(*(measure(ws, args.seconds, s) for ws, s in zip(clients, stats)))
    else:
        await asyncio.sleep(args.seconds)
    results = [summary(s['latencies'], s['totals'][0], s['totals'][1],
                       time.monotonic() - (s['first'] or time.monotonic())) for s in stats]
    report({'clients': results})
    for client in stalled:
        client.transport.abort()
    for client in clients:
        if args.deflate:
            await client.close()
        else:
            client.transport.close()


if __name__ == '__main__':
    asyncio.run(main())
