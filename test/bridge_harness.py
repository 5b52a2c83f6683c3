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

"""Helpers for tests that run a real bridge in-process and talk to it over a real socket."""

import asyncio
import json
import os
import socket
import struct
import threading
import time

import websockets

TIMEOUT_FACTOR = float(os.environ.get('FOXGLOVE_TEST_TIMEOUT_FACTOR', '1'))
TIMEOUT = 10.0 * TIMEOUT_FACTOR
"""Seconds to wait for anything that should happen: discovery can take ~3 s on Fast DDS."""

HELLO_WORLD_CDR = bytes.fromhex('00010000') + (12).to_bytes(4, 'little') + b'hello world\x00'
"""std_msgs/msg/String "hello world" in CDR, as the C++ bridge's smoke tests use it."""


def wait_for(condition, timeout=TIMEOUT, what='condition'):
    """Poll a condition until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        time.sleep(0.01)


class RunningBridge:
    """A bridge on its own asyncio thread, with the executor thread it starts itself."""

    def __init__(self, context, **parameters):
        from rclpy.parameter import Parameter

        from foxglove_bridge_py.bridge import Bridge
        from foxglove_bridge_py.node import FoxgloveBridgeNode

        parameters.setdefault('port', 0)
        parameters.setdefault('address', '127.0.0.1')
        overrides = [Parameter(k, value=v) for k, v in parameters.items()]
        self.node = FoxgloveBridgeNode(context=context, parameter_overrides=overrides)
        self.bridge = Bridge(self.node, self.node.config)
        self.port = None
        self._started = threading.Event()
        self._error = None
        self._loop = None
        self._stop = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._started.wait(TIMEOUT):
            raise AssertionError('bridge did not start')
        if self._error is not None:
            raise self._error

    def _run(self):
        async def main():
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await self.bridge.run(self._stop, on_started=self._on_started)

        try:
            asyncio.run(main())
        except Exception as exc:  # noqa: B902 - handed to the test thread
            self._error = exc
            self._started.set()

    def _on_started(self, port):
        self.port = port
        self._started.set()

    @property
    def url(self):
        return f'ws://127.0.0.1:{self.port}'

    def call(self, function, *args):
        """Run a function on the bridge's loop and return its result."""
        async def run():
            return function(*args)
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(TIMEOUT)

    def stop(self):
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(TIMEOUT)
        # Destroying a node that a running executor still waits on crashes rclpy: on a loaded
        # machine the executor thread may outlive the bridge's bounded wait for it.
        threads = getattr(self.bridge, 'threads', None)
        if threads is not None:
            assert threads.executor_stopped(TIMEOUT), 'the executor thread did not stop'
        self.node.destroy_node()


class Client:
    """A Foxglove WebSocket client for tests, used inside ``asyncio.run``."""

    def __init__(self, ws):
        self.ws = ws
        self.channels = {}
        self.services = {}
        self.statuses = []
        self.server_info = None

    @classmethod
    async def connect(cls, url, subprotocol='foxglove.websocket.v1', **kwargs):
        ws = await websockets.connect(url, subprotocols=[subprotocol], max_size=None,
                                      **kwargs)
        client = cls(ws)
        client.server_info = await client.expect_op('serverInfo')
        return client

    async def close(self):
        await self.ws.close()

    async def send(self, message):
        await self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    async def recv(self, timeout=TIMEOUT):
        """Return the next frame: a dict for JSON, bytes for binary; tracks channels."""
        frame = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(frame, bytes):
            return frame
        message = json.loads(frame)
        if message['op'] == 'advertise':
            for channel in message['channels']:
                self.channels[channel['id']] = channel
        elif message['op'] == 'unadvertise':
            for channel_id in message['channelIds']:
                self.channels.pop(channel_id, None)
        elif message['op'] == 'advertiseServices':
            for service in message['services']:
                self.services[service['id']] = service
        elif message['op'] == 'unadvertiseServices':
            for service_id in message['serviceIds']:
                self.services.pop(service_id, None)
        elif message['op'] == 'status':
            self.statuses.append(message)
        return message

    async def expect_op(self, op, timeout=TIMEOUT):
        """Skip frames until a JSON message with this op arrives."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(message, dict) and message['op'] == op:
                return message

    async def expect_binary(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(message, bytes):
                return message

    async def channel_for(self, topic, timeout=TIMEOUT):
        """Wait until a channel of this topic is advertised and return it."""
        deadline = time.monotonic() + timeout
        while True:
            for channel in self.channels.values():
                if channel['topic'] == topic:
                    return channel
            await self.recv(max(0.01, deadline - time.monotonic()))

    async def subscribe(self, subscription_id, channel_id):
        await self.send({'op': 'subscribe',
                         'subscriptions': [{'id': subscription_id, 'channelId': channel_id}]})

    async def unsubscribe(self, subscription_id):
        await self.send({'op': 'unsubscribe', 'subscriptionIds': [subscription_id]})

    async def quiet(self, seconds):
        """Collect whatever arrives within ``seconds``."""
        frames = []
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return frames
            try:
                frames.append(await self.recv(remaining))
            except asyncio.TimeoutError:
                return frames


async def publish_until_received(client, publisher, message, subscription_id):
    """Publish until the client gets a MessageData (volatile data before matching is lost)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        publisher.publish(message)
        try:
            frame = await client.expect_binary(timeout=0.2)
        except asyncio.TimeoutError:
            continue
        assert frame[:5] == struct.pack('<BI', 1, subscription_id)
        return frame
    raise AssertionError('no message received')


async def service_named(client, name):
    deadline = time.monotonic() + TIMEOUT
    while True:
        for service in client.services.values():
            if service['name'] == name:
                return service
        await client.recv(max(0.01, deadline - time.monotonic()))


def call_frame(service_id, call_id, encoding, payload):
    enc = encoding.encode()
    return struct.pack('<BIII', 2, service_id, call_id, len(enc)) + enc + payload


async def expect_service_answer(client):
    """Return the next ServiceCallResponse frame or serviceCallFailure message."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        frame = await client.recv(max(0.01, deadline - time.monotonic()))
        if isinstance(frame, bytes) and frame[0] == 3:
            return frame
        if isinstance(frame, dict) and frame['op'] == 'serviceCallFailure':
            return frame


def publish_images(node, topic, size, hz, stop):
    """Publish blank rgb8 Images of about ``size`` bytes at ``hz`` on a thread until ``stop``."""
    from sensor_msgs.msg import Image

    publisher = node.create_publisher(Image, topic, 10)
    image = Image(height=size // 3000, width=1000, encoding='rgb8', step=3000,
                  data=bytes(size // 3000 * 3000))

    def loop():
        while not stop.is_set():
            publisher.publish(image)
            stop.wait(1.0 / hz)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return publisher, thread


def small_receive_buffer_socket(port):
    # The kernel then buffers little for the client, so what it does not read stays in the
    # bridge, where the limits under test apply.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(('127.0.0.1', port))
    return sock
