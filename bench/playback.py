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
Playback benchmark: a generated ~1 GB recording of 1080p images; seek time and 30 Hz timing.

Run in a ROS shell with the package built: ``python bench/playback.py [--gigabytes 1]``.
Prints the figures and writes them to ``bench/results/playback.json``.
"""

import argparse
import asyncio
import json
import os
import struct
import sys
import tempfile
import time

from common import percentile
from mcap.writer import CompressionType, Writer
from run import bridge_command, Child, free_port
import websockets

WIDTH, HEIGHT = 1920, 1080
SECOND = 1_000_000_000
START = 1_700_000_000 * SECOND


def image_template(pixels):
    """Serialize a 1080p rgb8 sensor_msgs/msg/Image to CDR; its stamp is patched per frame."""
    from rclpy.serialization import serialize_message
    from sensor_msgs.msg import Image
    return bytearray(serialize_message(Image(height=HEIGHT, width=WIDTH, encoding='rgb8',
                                             step=WIDTH * 3, data=pixels)))


def write_recording(path, gigabytes):
    pixels = os.urandom(WIDTH * HEIGHT * 3)
    count = int(gigabytes * 1e9 // len(pixels)) + 1
    with open(path, 'wb') as f:
        writer = Writer(f, chunk_size=8 * 1024 * 1024, compression=CompressionType.NONE)
        writer.start(profile='ros2', library='bench')
        schema = writer.register_schema('sensor_msgs/msg/Image', 'ros2msg', b'')
        channel = writer.register_channel('/bench/camera', 'cdr', schema)
        template = image_template(pixels)
        for i in range(count):
            t = START + i * SECOND // 30
            struct.pack_into('<iI', template, 4, *divmod(t, SECOND))  # header.stamp
            writer.add_message(channel, t, bytes(template), t, i)
        writer.finish()
    return count


def control(command, seek=None, request_id='r'):
    rid = request_id.encode()
    return struct.pack('<BBfBQI', 3, command, 1.0, seek is not None, seek or 0, len(rid)) + rid


async def measure(port, count):
    ws = await websockets.connect(f'ws://127.0.0.1:{port}', subprotocols=['foxglove.sdk.v1'],
                                  max_size=None, compression=None)
    channel = None
    while channel is None:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        for c in message.get('channels', []):
            channel = c['id']
    subscription = {'id': 1, 'channelId': channel}
    await ws.send(json.dumps({'op': 'subscribe', 'subscriptions': [subscription]}))

    async def state():
        while True:
            frame = await asyncio.wait_for(ws.recv(), 30)
            if isinstance(frame, bytes) and frame[0] == 5:
                return frame

    middle = START + (count // 2) * SECOND // 30
    # Seek: from the request to play at the middle until the first frame from there arrives.
    started = time.monotonic()
    await ws.send(control(0, seek=middle, request_id='seek'))
    while True:
        frame = await asyncio.wait_for(ws.recv(), 30)
        if isinstance(frame, bytes) and frame[0] == 1:
            assert struct.unpack_from('<Q', frame, 5)[0] >= middle
            break
    seek_s = time.monotonic() - started
    await ws.send(control(1, seek=START, request_id='back'))
    await state()
    await asyncio.sleep(0.5)  # let frames already on their way arrive before timing
    while True:
        try:
            await asyncio.wait_for(ws.recv(), 0.2)
        except asyncio.TimeoutError:
            break
    await ws.send(control(0, request_id='play'))
    await state()
    arrivals = []
    while True:
        frame = await asyncio.wait_for(ws.recv(), 30)
        if isinstance(frame, bytes) and frame[0] == 1:
            arrivals.append((time.monotonic(), struct.unpack_from('<Q', frame, 5)[0]))
        elif isinstance(frame, bytes) and frame[0] == 5:
            break
    await ws.close()
    first_wall, first_log = arrivals[0]
    errors = [abs((wall - first_wall) - (log - first_log) / SECOND) * 1000
              for wall, log in arrivals]
    return {'seek_ms': seek_s * 1000, 'frames': count, 'delivered': len(arrivals),
            'timing_error_p50_ms': percentile(errors, 0.5),
            'timing_error_p99_ms': percentile(errors, 0.99),
            'timing_error_max_ms': max(errors)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--gigabytes', type=float, default=1.0)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'big.mcap')
        count = write_recording(path, args.gigabytes)
        size_gb = os.path.getsize(path) / 1e9
        port = free_port()
        bridge = Child(bridge_command(port, '-p', f'playback_file:={path}'), env)
        try:
            bridge.wait_for(lambda v: isinstance(v, str) and 'listening on' in v)
            result = asyncio.run(measure(port, count))
        finally:
            bridge.stop()
    result['file_gb'] = size_gb
    print(json.dumps(result, indent=1))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'playback.json')
    with open(out, 'w') as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
