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
The bridge on a slow link: a 20 Hz state topic beside a camera through 20 Mbit/s, 20 ms.

A client reaches the bridge through ``link_proxy.py`` (2.5 MB/s, 20 ms one-way delay, small
buffers), subscribes to ``/bench/state`` and ``/bench/camera``, and measures, after a warm-up,
for ``--seconds``: how much of the state arrives, how old it is, the longest gap, and the
camera's frames per second and age. Then, ``--reconnects`` times, it disconnects for 10 s,
reconnects and measures how old the first messages are. Bridge RSS and CPU are sampled.

``--view twin`` watches the camera through its JPEG twin (``/bench/camera/foxglove/jpeg``)
instead of raw, ``--view video`` through its H.264 twin (``/bench/camera/foxglove/h264``), and
``--scene textured`` makes the camera show a panning textured scene (the default, random bytes,
is what no codec can shrink).

Run in the set-up shell (``source .venv/env.sh``)::

    python bench/slow_link.py [--seconds 30] [--baseline REV]
    python bench/slow_link.py --cameras 1080p --view raw,twin,video --scene textured

``--baseline REV`` also runs the bridge of that git revision (e.g. the last one with a single
FIFO queue per client) from an export of its sources, for comparison. Prints a table and writes
``bench/results/slow_link.json``.
"""

import argparse
import asyncio
import json
import os
import random
import struct
import sys
import tempfile
import time

from common import fmt, frames_for
import psutil
from run import baseline_command, bridge_command, Child, free_port
import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CAMERAS = {'vga': (640, 480, 30.0), '1080p': (1920, 1080, 15.0)}
RATE = 2_500_000
DELAY = 0.02
WARM_UP = 5.0
AWAY = 10.0
FIRST_IMAGES = 5
"""Images after a reconnect whose ages are reported one by one."""
AFTER_RECONNECT = 5.0
LATE_ALLOWANCE = 3.0
"""Seconds at the end of the window whose state messages may still be on their way."""


def parse_state(payload):
    length = struct.unpack_from('<I', payload, 4)[0]
    text = bytes(payload[8:8 + length - 1]).decode()
    sequence, stamp = text.split()
    return int(sequence), int(stamp)


def parse_image(payload):
    # An Image and its CompressedImage twin both begin with the header: the stamp, then the
    # frame_id that carries the frame's sequence number.
    sec, nanosec, length = struct.unpack_from('<iII', payload, 4)
    sequence = int(bytes(payload[16:16 + length - 1]))
    return sequence, sec * 1_000_000_000 + nanosec


CAMERA_TOPICS = {'raw': '/bench/camera', 'twin': '/bench/camera/foxglove/jpeg',
                 'video': '/bench/camera/foxglove/h264'}


async def subscribe(url, camera_topic):
    ws = await websockets.connect(url, subprotocols=['foxglove.sdk.v1'], max_size=None)
    wanted = {'/bench/state': None, camera_topic: None}
    deadline = time.monotonic() + 30
    while None in wanted.values():
        if time.monotonic() > deadline:
            raise SystemExit('the bench topics were never advertised')
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        for channel in message.get('channels', []):
            if channel['topic'] in wanted:
                wanted[channel['topic']] = channel['id']
    await ws.send(json.dumps({'op': 'subscribe', 'subscriptions': [
        {'id': 1, 'channelId': wanted['/bench/state']},
        {'id': 2, 'channelId': wanted[camera_topic]}]}))
    return ws


async def record(ws, seconds, arrivals):
    async for frame in frames_for(ws, seconds):
        if isinstance(frame, str):
            message = json.loads(frame)
            if message.get('op') == 'status' and os.environ.get('SLOW_LINK_DEBUG'):
                print(message['message'], file=sys.stderr)
            continue
        if frame[0] != 1:
            continue
        now = time.monotonic_ns()
        subscription = struct.unpack_from('<I', frame, 1)[0]
        payload = memoryview(frame)[13:]
        if subscription == 1:
            arrivals.append(('state', *parse_state(payload), now))
        else:
            arrivals.append(('camera', *parse_image(payload), now))


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def first_messages(arrivals):
    first_state = next((a for a in arrivals if a[0] == 'state'), None)
    camera = [(a[3] - a[2]) / 1e6 for a in arrivals if a[0] == 'camera']
    return (None if first_state is None else (first_state[3] - first_state[2]) / 1e6,
            max(camera, default=None), [round(age) for age in camera[:FIRST_IMAGES]])


def analyse(arrivals, reconnects, state_sent, window):
    start, end = window
    state = [a for a in arrivals if a[0] == 'state']
    camera = [a for a in arrivals if a[0] == 'camera' and start <= a[3] <= end]
    expected = {seq for seq, stamp in state_sent if start <= stamp <= end - LATE_ALLOWANCE * 1e9}
    received = {a[1] for a in state}
    in_window = [a for a in state if start <= a[2] <= end]
    ages = [(a[3] - a[2]) / 1e6 for a in in_window]
    times = sorted(a[3] for a in in_window)
    gaps = [(b - a) / 1e6 for a, b in zip(times, times[1:])]
    camera_ages = [(a[3] - a[2]) / 1e6 for a in camera]
    firsts = [first_messages(r) for r in reconnects]
    first_states = [f[0] for f in firsts if f[0] is not None]
    oldest_images = [f[1] for f in firsts if f[1] is not None]
    if os.environ.get('SLOW_LINK_DEBUG'):
        print('missing state', sorted(expected - received), file=sys.stderr)
    return {
        'state_delivered_percent': 100 * len(expected & received) / max(1, len(expected)),
        'state_age_p50_ms': percentile(ages, 0.5), 'state_age_p99_ms': percentile(ages, 0.99),
        'state_age_max_ms': max(ages, default=None),
        'state_longest_gap_ms': max(gaps, default=None),
        'camera_fps': len(camera) / ((end - start) / 1e9),
        'camera_age_p50_ms': percentile(camera_ages, 0.5),
        'camera_age_p99_ms': percentile(camera_ages, 0.99),
        'reconnects': len(reconnects),
        'reconnect_first_state_age_ms': first_states,
        'reconnect_first_state_age_median_ms': percentile(first_states, 0.5),
        'reconnect_first_state_age_max_ms': max(first_states, default=None),
        'reconnect_camera_age_max_ms': max(oldest_images, default=None),
        # How old each of the first images after a reconnect is (target: 1 s each).
        'reconnect_first_images_ms': [f[2] for f in firsts],
        'reconnect_first_images_max_ms': max((a for f in firsts for a in f[2]), default=None),
    }


def run_one(camera, receiver, seconds, env, workdir, rate=RATE, delay=DELAY, reconnects=1,
            view='raw', scene='noise', bridge_args=()):
    width, height, hz = CAMERAS[camera]
    camera_topic = CAMERA_TOPICS[view]
    children = []
    try:
        # Two processes, as a camera driver and a state publisher are two nodes: one DDS
        # participant writing both makes the small messages wait behind the frames.
        publishers = [Child([sys.executable, 'state_camera_publisher.py', str(width),
                             str(height), str(hz), '--only', only, '--scene', scene], env)
                      for only in ('state', 'camera')]
        children.extend(publishers)
        for publisher in publishers:
            publisher.wait_for(lambda v: isinstance(v, dict) and v.get('ready'))
        port = free_port()
        extra = [a for p in bridge_args for a in ('-p', p)]
        command = (bridge_command(port, *extra) if receiver == 'bridge'
                   else baseline_command(receiver.split(' ', 1)[1], port, workdir, *extra))
        bridge = Child(command, env)
        children.append(bridge)
        bridge.wait_for(lambda v: isinstance(v, str) and 'listening on' in v)
        proxy = Child([sys.executable, 'link_proxy.py', '0', str(port), '--rate', str(rate),
                       '--delay', str(delay)], env)
        children.append(proxy)
        proxy_port = proxy.wait_for(lambda v: isinstance(v, dict) and v.get('ready'))['port']
        rss = {'start': bridge.ps.memory_info().rss, 'peak': 0}
        cpu = {}

        async def sample_rss():
            while True:
                rss['peak'] = max(rss['peak'], bridge.ps.memory_info().rss)
                await asyncio.sleep(0.5)

        async def scenario():
            sampler = asyncio.ensure_future(sample_rss())
            url = f'ws://127.0.0.1:{proxy_port}'
            arrivals, again = [], []
            ws = await subscribe(url, camera_topic)
            await record(ws, WARM_UP, [])
            start, cpu_start = time.monotonic_ns(), bridge.ps.cpu_times()
            await record(ws, seconds, arrivals)
            end, cpu_end = time.monotonic_ns(), bridge.ps.cpu_times()
            cpu['seconds'] = (cpu_end.user + cpu_end.system) - (cpu_start.user + cpu_start.system)
            await ws.close()
            for _ in range(reconnects):
                await asyncio.sleep(AWAY)
                ws = await subscribe(url, camera_topic)
                again.append([])
                await record(ws, AFTER_RECONNECT, again[-1])
                await ws.close()
            sampler.cancel()
            return arrivals, again, (start, end)

        arrivals, again, window = asyncio.run(scenario())
        publishers[0].process.send_signal(2)
        sent = publishers[0].wait_for(lambda v: isinstance(v, dict) and 'state_sent' in v)
        result = analyse(arrivals, again, sent['state_sent'], window)
        frames = result['camera_fps'] * seconds
        result.update(camera=camera, receiver=receiver, seconds=seconds, view=view,
                      scene=scene, rss_start_mb=rss['start'] / 1e6, rss_peak_mb=rss['peak'] / 1e6,
                      bridge_cpu_percent=100 * cpu['seconds'] / seconds,
                      bridge_cpu_ms_per_frame=1000 * cpu['seconds'] / frames if frames else None)
        return result
    finally:
        for child in reversed(children):
            child.stop()


def table(results):
    lines = ['| camera | viewed as | bridge | state delivered | state age p50 / p99 / max ms '
             '| longest state gap ms | camera frames/s | camera age p50 / p99 ms '
             '| after reconnects: first state age median / max ms, oldest image ms '
             '| RSS MB (start→peak) | bridge CPU %, ms per frame shown |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in results:
        width, height, hz = CAMERAS[r['camera']]
        lines.append(
            f"| {width}x{height} rgb8 at {hz:.0f} Hz, {r.get('scene', 'noise')} "
            f"| {r.get('view', 'raw')} | {r['receiver']} "
            f"| {r['state_delivered_percent']:.1f} % "
            f"| {fmt(r['state_age_p50_ms'])} / {fmt(r['state_age_p99_ms'])} / "
            f"{fmt(r['state_age_max_ms'])} | {fmt(r['state_longest_gap_ms'])} "
            f"| {r['camera_fps']:.1f} | {fmt(r['camera_age_p50_ms'])} / "
            f"{fmt(r['camera_age_p99_ms'])} "
            f"| {fmt(r['reconnect_first_state_age_median_ms'])} / "
            f"{fmt(r['reconnect_first_state_age_max_ms'])} ({r['reconnects']} reconnects), "
            f"{fmt(r['reconnect_camera_age_max_ms'])} "
            f"| {r['rss_start_mb']:.0f}→{r['rss_peak_mb']:.0f} "
            f"| {fmt(r.get('bridge_cpu_percent'))}, {fmt(r.get('bridge_cpu_ms_per_frame'), 1)} |")
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--seconds', type=float, default=30.0, help='measured time per run')
    parser.add_argument('--cameras', default='vga,1080p')
    parser.add_argument('--view', default='raw',
                        help='raw, twin, video or a list: the raw camera, its JPEG or H.264 twin')
    parser.add_argument('--scene', default='noise', choices=('noise', 'textured'),
                        help='camera content: random bytes, or a panning textured scene')
    parser.add_argument('--bridge-args', default='',
                        help='more bridge parameters, e.g. "image_twin_max_rate:=8.0"')
    parser.add_argument('--baseline', default='', help='git revision to compare with')
    parser.add_argument('--reconnects', type=int, default=5,
                        help='disconnect-reconnect cycles after the measured window')
    parser.add_argument('--rate', type=float, default=RATE, help='link bytes per second')
    parser.add_argument('--delay', type=float, default=DELAY, help='one-way delay, seconds')
    parser.add_argument('--output', default=os.path.join(HERE, 'results', 'slow_link.json'))
    args = parser.parse_args()
    env = dict(os.environ, ROS_DOMAIN_ID=str(random.randint(102, 200) % 101 + 1),
               PYTHONUNBUFFERED='1', RCUTILS_LOGGING_BUFFERED_STREAM='0')
    receivers = ['bridge'] + ([f'baseline {args.baseline}'] if args.baseline else [])
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for camera in args.cameras.split(','):
            for receiver in receivers:
                print(f'running {camera} with {receiver}', file=sys.stderr, flush=True)
                for view in args.view.split(','):
                    results.append(run_one(camera, receiver, args.seconds, env, workdir,
                                           args.rate, args.delay, args.reconnects, view,
                                           args.scene, args.bridge_args.split()))
    text = table(results)
    print(text)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as f:
        json.dump({'date': time.strftime('%Y-%m-%d'), 'cpus': os.cpu_count(),
                   'rate_bytes_per_s': args.rate, 'delay_s': args.delay, 'results': results,
                   'table': text}, f, indent=1)
    return 0


if __name__ == '__main__':
    psutil.Process()  # fail early if psutil is missing
    sys.exit(main())
