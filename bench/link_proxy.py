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
A slow link on loopback: a TCP proxy that carries server-to-client bytes at a fixed rate.

Client to server passes freely. Server to client is read in small chunks, serialized through
a token bucket at ``--rate`` bytes per second and delivered ``--delay`` seconds later, with at
most ``--buffer`` bytes held in the link, like a router's queue. The upstream socket has a
small receive buffer and a real network's segment size, so back-pressure reaches the server
instead of piling up in loopback's large kernel buffers.

    python link_proxy.py LISTEN_PORT SERVER_PORT [--rate 2500000] [--delay 0.02]

Prints ``{"ready": true, "port": N}`` once listening; serves until killed. Loopback only.
"""

import argparse
import asyncio
import collections
import json
import socket
import sys

CHUNK = 16 * 1024
UPSTREAM_RECEIVE_BUFFER = 64 * 1024
DOWNSTREAM_SEND_BUFFER = 64 * 1024
SEGMENT_SIZE = 1448


async def forward(reader, writer):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def shape(reader, writer, rate, delay, buffer_bytes):
    loop = asyncio.get_running_loop()
    pending = collections.deque()
    changed = asyncio.Event()
    held = 0
    link_free = loop.time()
    done = False

    async def pump():
        nonlocal held, link_free, done
        try:
            while True:
                while held >= buffer_bytes:
                    changed.clear()
                    await changed.wait()
                data = await reader.read(min(CHUNK, buffer_bytes))
                if not data:
                    break
                now = loop.time()
                link_free = max(link_free, now) + len(data) / rate
                pending.append((link_free + delay, data))
                held += len(data)
                changed.set()
        except (ConnectionError, OSError):
            pass
        finally:
            done = True
            changed.set()

    async def deliver():
        nonlocal held
        try:
            while True:
                while not pending:
                    if done:
                        return
                    changed.clear()
                    await changed.wait()
                at, data = pending.popleft()
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
                held -= len(data)
                changed.set()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    await asyncio.gather(pump(), deliver())


async def serve(listen_port, server_port, rate, delay, buffer_bytes):
    loop = asyncio.get_running_loop()

    async def handle(client_reader, client_writer):
        client_writer.get_extra_info('socket').setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDBUF, DOWNSTREAM_SEND_BUFFER)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UPSTREAM_RECEIVE_BUFFER)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, SEGMENT_SIZE)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, ('127.0.0.1', server_port))
        except OSError:
            sock.close()
            client_writer.close()
            return
        server_reader, server_writer = await asyncio.open_connection(sock=sock, limit=CHUNK)
        await asyncio.gather(forward(client_reader, server_writer),
                             shape(server_reader, client_writer, rate, delay, buffer_bytes))

    server = await asyncio.start_server(handle, '127.0.0.1', listen_port)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({'ready': True, 'port': port}) + '\n')
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('listen_port', type=int)
    parser.add_argument('server_port', type=int)
    parser.add_argument('--rate', type=float, default=2_500_000, help='bytes per second')
    parser.add_argument('--delay', type=float, default=0.02, help='one-way delay, seconds')
    parser.add_argument('--buffer', type=int, default=64 * 1024,
                        help='bytes the link holds at most (its queue)')
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.listen_port, args.server_port, args.rate, args.delay,
                          args.buffer))
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
