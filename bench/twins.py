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
What twins cost the robot: bridge CPU per encoded frame and cloud, and with nobody watching.

Each scenario starts publishers, a bridge and one client on this machine (no slow link: this is
about CPU, the slow-link figures are ``slow_link.py --view twin``), and measures for
``--seconds`` after a warm-up: messages per second and bytes per message on each subscription,
their age, and the bridge's CPU.

* ``camera twin`` / ``camera video`` / ``camera raw``: a 1920x1080 rgb8 camera at 15 Hz showing
  a panning textured scene, watched through ``/bench/camera/foxglove/jpeg`` or
  ``/bench/camera/foxglove/h264`` (twin rate raised to 15 Hz), or raw.
* ``cloud twin`` / ``cloud raw``: a 1,000,000-point cloud (16 MB) at 10 Hz, watched through
  ``/bench/lidar/foxglove/downsampled`` (100,000 points) or raw.
* ``idle with twins`` / ``idle without twins``: the camera and the cloud publish, the client
  watches only the 20 Hz state topic: the twins are advertised but nobody subscribes to them.

Run in the set-up shell (``source .venv/env.sh``)::

    python bench/twins.py [--seconds 20] [--scenarios 'camera twin,cloud twin']

Prints a table and writes ``bench/results/twins.json``.
"""

import argparse
import asyncio
import json
import os
import random
import struct
import sys
import time

from common import fmt, frames_for
import psutil
from run import bridge_command, Child, free_port
import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
WARM_UP = 5.0
CAMERA = ['state_camera_publisher.py', '1920', '1080', '15', '--only', 'camera',
          '--scene', 'textured']
STATE = ['state_camera_publisher.py', '1920', '1080', '15', '--only', 'state']
CLOUD = ['cloud_publisher.py', '1000000', '10']
TWINS_OFF = ['image_twins:=false', 'video_twins:=false', 'cloud_twins:=false']
SCENARIOS = {
    # name: (publishers, topics watched, bridge parameters)
    'camera twin': ([CAMERA], ['/bench/camera/foxglove/jpeg'], ['image_twin_max_rate:=15.0']),
    'camera video': ([CAMERA], ['/bench/camera/foxglove/h264'], ['image_twin_max_rate:=15.0']),
    'camera raw': ([CAMERA], ['/bench/camera'], []),
    'cloud twin': ([CLOUD], ['/bench/lidar/foxglove/downsampled'], []),
    'cloud raw': ([CLOUD], ['/bench/lidar'], []),
    'idle with twins': ([CAMERA, CLOUD, STATE], ['/bench/state'], []),
    'idle without twins': ([CAMERA, CLOUD, STATE], ['/bench/state'], TWINS_OFF),
}


def header(payload):
    """Read a message's header: the stamp (monotonic ns) and where the frame_id ends."""
    sec, nanosec, length = struct.unpack_from('<iII', payload, 4)
    end = 16 + length
    return sec * 1_000_000_000 + nanosec, end + (-(end - 4) % 4)


def state_stamp(payload):
    """Read the stamp of a state message: ``"<sequence> <monotonic ns>"`` in a String."""
    length = struct.unpack_from('<I', payload, 4)[0]
    return int(bytes(payload[8:8 + length - 1]).split()[1])


def cloud_points(payload):
    _, after_header = header(payload)
    height, width = struct.unpack_from('<II', payload, after_header)
    return height * width


async def watch(url, topics, seconds):
    ws = await websockets.connect(url, subprotocols=['foxglove.sdk.v1'], max_size=None)
    ids = {}
    deadline = time.monotonic() + 30
    while len(ids) < len(topics):
        if time.monotonic() > deadline:
            raise SystemExit(f'never advertised: {set(topics) - set(ids)}')
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        for channel in message.get('channels', []):
            if channel['topic'] in topics:
                ids[channel['topic']] = channel['id']
    await ws.send(json.dumps({'op': 'subscribe', 'subscriptions': [
        {'id': index, 'channelId': ids[topic]} for index, topic in enumerate(topics)]}))
    async for _ in frames_for(ws, WARM_UP):
        pass
    seen = {topic: [] for topic in topics}
    async for frame in frames_for(ws, seconds):
        if isinstance(frame, bytes) and frame[0] == 1:
            now = time.monotonic_ns()
            payload = memoryview(frame)[13:]
            topic = topics[struct.unpack_from('<I', frame, 1)[0]]
            points = cloud_points(payload) if 'lidar' in topic else None
            stamp = state_stamp(payload) if topic == '/bench/state' else header(payload)[0]
            seen[topic].append((len(payload), (now - stamp) / 1e6, points))
    await ws.close()
    return seen


def run_one(name, seconds, env, more_parameters=()):
    publishers, topics, parameters = SCENARIOS[name]
    parameters = [*parameters, *more_parameters]
    children = []
    try:
        for command in publishers:
            child = Child([sys.executable, *command], env)
            children.append(child)
            child.wait_for(lambda v: isinstance(v, dict) and v.get('ready'))
        port = free_port()
        extra = [a for p in parameters for a in ('-p', p)]
        bridge = Child(bridge_command(port, *extra), env)
        children.append(bridge)
        bridge.wait_for(lambda v: isinstance(v, str) and 'listening on' in v)

        async def measure():
            watching = asyncio.ensure_future(watch(f'ws://127.0.0.1:{port}', topics, seconds))
            await asyncio.sleep(WARM_UP + 1.0)  # connected, subscribed and warmed up by then
            before, start = bridge.ps.cpu_times(), time.monotonic()
            seen = await watching
            after, wall = bridge.ps.cpu_times(), time.monotonic() - start
            return seen, (after.user + after.system - before.user - before.system) / wall

        seen, cpu = asyncio.run(measure())
        results = []
        for topic, messages in seen.items():
            rate = len(messages) / seconds
            ages = sorted(m[1] for m in messages)
            results.append({
                'scenario': name, 'topic': topic, 'messages_per_s': rate,
                'kb_per_message': sum(m[0] for m in messages) / max(1, len(messages)) / 1e3,
                'points': messages[-1][2] if messages else None,
                'age_p50_ms': ages[len(ages) // 2] if ages else None,
                'bridge_cpu_percent': 100 * cpu,
                'bridge_cpu_ms_per_message': 1000 * cpu / rate if rate else None})
        return results
    finally:
        for child in reversed(children):
            child.stop()


def table(results):
    lines = ['| scenario | watched | messages/s | KB per message | points | age p50 ms '
             '| bridge CPU % | bridge CPU ms per message |', '|---|---|---|---|---|---|---|---|']
    for r in results:
        lines.append(f"| {r['scenario']} | `{r['topic']}` | {fmt(r['messages_per_s'], 1)} "
                     f"| {fmt(r['kb_per_message'])} | {fmt(r['points'])} "
                     f"| {fmt(r['age_p50_ms'])} | {fmt(r['bridge_cpu_percent'], 1)} "
                     f"| {fmt(r['bridge_cpu_ms_per_message'], 1)} |")
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--seconds', type=float, default=20.0, help='measured time per run')
    parser.add_argument('--scenarios', default=','.join(SCENARIOS))
    parser.add_argument('--bridge-args', default='',
                        help='more bridge parameters, e.g. "image_twin_quality:=60"')
    parser.add_argument('--output', default=os.path.join(HERE, 'results', 'twins.json'))
    args = parser.parse_args()
    env = dict(os.environ, ROS_DOMAIN_ID=str(random.randint(102, 200) % 101 + 1),
               PYTHONUNBUFFERED='1', RCUTILS_LOGGING_BUFFERED_STREAM='0')
    results = []
    for name in args.scenarios.split(','):
        print(f'running {name}', file=sys.stderr, flush=True)
        results.extend(run_one(name, args.seconds, env, args.bridge_args.split()))
    text = table(results)
    print(text)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as f:
        json.dump({'date': time.strftime('%Y-%m-%d'), 'cpus': os.cpu_count(),
                   'results': results, 'table': text}, f, indent=1)
    return 0


if __name__ == '__main__':
    psutil.Process()  # fail early if psutil is missing
    sys.exit(main())
