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
What access control costs: the time to open a connection, and the per-message path.

1. Two bridges of the installed package, one without ``access_file`` and one with a file of
   20 tokens; 50 rounds, each opening one connection to each (from the TCP connect to the
   ``serverInfo``), in turns, so that both see the same machine. Reports the median and p90
   of each, and the difference of the medians (the issue's target: at most 5 ms).
2. ``--instructions``: the core's per-message path (fan-out into a client's send scheduler,
   and the writer's take) counted by ``valgrind --tool=callgrind`` for a client holding the
   open grant, a token's grant, and a token that narrows topics: the difference of two runs of
   1,600 and 4,800 small messages in batches of 32, whatever the machine does.

  python bench/access.py [--rounds 50] [--instructions [--baseline REV]] [--json FILE]
"""

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

TOKEN = 'bench-token-for-the-twentieth-entry'
SUBPROTOCOL = 'foxglove.sdk.v1'


def access_file(folder):
    path = os.path.join(folder, 'access.yaml')
    entries = [(f'laptop-{i}', f'another-token-{i}') for i in range(19)] + [('bench', TOKEN)]
    with open(path, 'w') as out:
        out.write('anonymous: none\ntokens:\n')
        for name, token in entries:
            out.write(f'  - name: {name}\n    sha256: {hashlib.sha256(token.encode()).hexdigest()}'
                      f'\n    role: operator\n')
    os.chmod(path, 0o600)
    return path


def start_bridge(*extra):
    from ament_index_python.packages import get_package_prefix
    command = [os.path.join(get_package_prefix('foxglove_bridge_py'), 'lib',
                            'foxglove_bridge_py', 'foxglove_bridge'), '--ros-args', '-p',
               'port:=0', '-p', 'address:=127.0.0.1', '-p', 'sysinfo:=false', *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    for line in process.stdout:
        match = re.search(r'listening on ws://[^:]+:(\d+)', line)
        if match:
            return process, int(match.group(1))
    raise RuntimeError('the bridge did not start')


async def open_once(url, **headers):
    import websockets
    started = time.perf_counter()
    key = 'additional_headers' if int(websockets.version.version.split('.')[0]) >= 14 else (
        'extra_headers')
    ws = await websockets.connect(url, subprotocols=[SUBPROTOCOL], **(
        {key: headers} if headers else {}))
    info = json.loads(await ws.recv())
    elapsed = time.perf_counter() - started
    assert info['op'] == 'serverInfo'
    await ws.close()
    return elapsed * 1000


async def open_times(rounds, open_port, guarded_port):
    times = {'no access_file': [], 'token in the URL': [], 'bearer header': []}
    for _ in range(3):  # warm up both
        await open_once(f'ws://127.0.0.1:{open_port}')
        await open_once(f'ws://127.0.0.1:{guarded_port}/?token={TOKEN}')
    kinds = [('no access_file', f'ws://127.0.0.1:{open_port}', {}),
             ('token in the URL', f'ws://127.0.0.1:{guarded_port}/?token={TOKEN}', {}),
             ('bearer header', f'ws://127.0.0.1:{guarded_port}',
              {'Authorization': f'Bearer {TOKEN}'})]
    for round_ in range(rounds):
        # Each kind goes first in turn: whatever the first open of a round pays, all pay it.
        turn = round_ % len(kinds)
        for name, url, headers in kinds[turn:] + kinds[:turn]:
            times[name].append(await open_once(url, **headers))
    return times


def connection_figures(rounds):
    folder = tempfile.mkdtemp()
    bridges = [start_bridge(), start_bridge('-p', f'access_file:={access_file(folder)}')]
    try:
        times = asyncio.run(open_times(rounds, bridges[0][1], bridges[1][1]))
    finally:
        for process, _ in bridges:
            process.send_signal(2)
            process.wait(10)
        shutil.rmtree(folder)
    figures = {name: {'median_ms': round(statistics.median(values), 3),
                      'p90_ms': round(sorted(values)[int(0.9 * len(values))], 3)}
               for name, values in times.items()}
    base = figures['no access_file']['median_ms']
    for name in ('token in the URL', 'bearer header'):
        figures[name]['added_ms'] = round(figures[name]['median_ms'] - base, 3)
    return figures


def core_path(messages, grant_kind):
    """Run the per-message path of the core (for callgrind): deliver, then take."""
    from foxglove_bridge_py.protocol import Channel
    try:
        from foxglove_bridge_py.core.hub import Hub
    except ImportError:  # a baseline from before the parts had folders (d3be21f and older)
        from foxglove_bridge_py.session import Hub
    grant = None  # 'open': connect as before access control existed (so a baseline runs too)
    if grant_kind != 'open':
        from foxglove_bridge_py.access.table import parse_access_file
        table = parse_access_file(
            f'tokens:\n  - name: b\n    sha256: {hashlib.sha256(b"t").hexdigest()}\n'
            f'    role: operator\n  - name: n\n    sha256: {hashlib.sha256(b"n").hexdigest()}\n'
            "    role: viewer\n    topic_whitelist: ['/bench/.*']\n")
        grant = table.grant_for('t' if grant_kind == 'token' else 'n')
    hub = Hub(server_name='bench', capabilities=(), supported_encodings=(), metadata={},
              session_id='1', send_buffer_limit=10_000_000)
    channel, = hub.add_channels([Channel(0, '/bench/stream', 'cdr', 'std_msgs/msg/String',
                                         'string data', 'ros2msg')])
    session = hub.connect('bench') if grant is None else hub.connect('bench', grant)
    subscribe = json.dumps({'op': 'subscribe', 'subscriptions': [{'id': 1,
                                                                  'channelId': channel.id}]})
    for _ in hub.handle_frame_in_slices(session, subscribe):  # in the baseline too
        pass
    queue = session.send_queue if hasattr(session, 'send_queue') else session.queue  # older
    while queue.take(1 << 20):
        pass
    payload = bytes(64)
    sequence = 0
    for _ in range(messages // 32):
        batch = []
        for _ in range(32):
            sequence += 1
            batch.append((channel.id, sequence, sequence, payload))
        hub.fanout.deliver(batch)
        while queue.take(256 * 1024):
            pass


def instructions(messages, grant_kind, source):
    out = tempfile.mktemp()
    # The sources go first only once access is imported: it puts its own tree first.
    code = (f'import sys; sys.path.insert(0, {HERE!r}); import access; '
            f'sys.path.insert(0, {source!r}); access.core_path({messages}, {grant_kind!r})')
    subprocess.run(['valgrind', '--tool=callgrind', f'--callgrind-out-file={out}',
                    sys.executable, '-c', code], check=True, capture_output=True)
    with open(out) as report:
        total = next(int(line.split()[1]) for line in report if line.startswith('summary:'))
    os.unlink(out)
    return total


def instruction_figures(source, baseline):
    figures = {}
    runs = [('open', source), ('token', source), ('narrowing', source)]
    if baseline:
        runs.append((f'open at {baseline}', _extract(baseline)))
    for name, tree in runs:
        kind = name.split()[0]
        low, high = (instructions(n, kind, tree) for n in (1600, 4800))
        figures[name] = round((high - low) / 3200)
    return figures


def _extract(revision):
    folder = tempfile.mkdtemp()
    archive = subprocess.run(['git', '-C', os.path.dirname(HERE), 'archive', revision,
                              'foxglove_bridge_py'], check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', folder], input=archive, check=True)
    return folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=50)
    parser.add_argument('--instructions', action='store_true')
    parser.add_argument('--source', default=os.path.dirname(HERE),
                        help='the foxglove_bridge_py sources whose core path is counted')
    parser.add_argument('--baseline', help='also count the core path of this git revision')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    result = {'connection_open': connection_figures(args.rounds), 'rounds': args.rounds}
    if args.instructions:
        result['instructions_per_message'] = instruction_figures(args.source, args.baseline)
    print(json.dumps(result, indent=1))
    if args.json:
        with open(args.json, 'w') as out:
            json.dump(result, out, indent=1)
            out.write('\n')


if __name__ == '__main__':
    main()
