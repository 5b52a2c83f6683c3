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
Benchmark the bridge against the rclpy ceiling and a foxglove-sdk forwarder, side by side.

Run through ``scripts/bench.sh`` (which sets up the environment), or, in a ROS shell with the
package built: ``python bench/run.py [--seconds 10] [--smoke] [--baseline REV]``. Prints a
table and writes JSON to ``bench/results/latest.json``. ``--baseline REV[,REV...]`` also runs
the bridge of each git revision, from its sources, right after this one's in every scenario.
"""

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

from common import fmt
import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
PINNED = 'af'
"""Scenarios of how many messages a receiver can take in: the receiver has a core of its own."""
SCENARIOS = [
    # name, stream, clients, stalled clients, receivers
    ('a', 'small', 1, 0, ('ceiling', 'bridge', 'sdk')),
    ('b', 'image', 1, 0, ('ceiling', 'ceiling+malloc', 'bridge', 'sdk', 'bridge+deflate')),
    ('c', 'cloud', 1, 0, ('ceiling', 'ceiling+malloc', 'bridge', 'sdk')),
    ('d', 'image', 10, 0, ('bridge', 'sdk')),
    ('e', 'image', 1, 1, ('bridge', 'sdk')),
    ('f', 'small', 10, 0, ('ceiling', 'bridge', 'sdk')),
    ('g', 'mix', 1, 0, ('ceiling', 'bridge', 'sdk')),
]
DESCRIPTIONS = {
    'a': '64 B String, as fast as possible', 'b': '1 MiB Image at 30 Hz',
    'c': '2 MiB PointCloud2 at 10 Hz', 'd': '(b) with 10 clients',
    'e': '(b) with one stalled client', 'f': '(a) with 10 clients',
    'g': '50 topics of 64 B Strings at 100 Hz each',
}
DRAIN = 2.0
SEND_BUFFER_LIMIT = 10_000_000


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Child:
    """A benchmark process whose stdout lines are JSON reports (or log lines)."""

    def __init__(self, args, env, cpus=None):
        # The CPUs are set before exec, so that every thread the process starts inherits them.
        self.process = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        self.ps = psutil.Process(self.process.pid)

    def wait_for(self, predicate, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            line = line.strip()
            try:
                value = json.loads(line)
            except ValueError:
                value = line
            if predicate(value):
                return value
        raise RuntimeError(f'{self.process.args[:3]} did not report in time')

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _context_switches(pid):
    """Count the context switches of every thread of a process so far (Linux)."""
    total = 0
    for task in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{task}/status') as status:
                total += sum(int(line.split()[1]) for line in status
                             if 'ctxt_switches' in line)
        except OSError:
            pass
    return total


def _steal_ticks():
    """Count the CPU ticks lent to other virtual machines so far, and all ticks (Linux)."""
    with open('/proc/stat') as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    return fields[7] if len(fields) > 7 else 0, sum(fields)


class Sampler:
    """CPU time and peak RSS of one process over a window."""

    def __init__(self, child):
        self.ps = child.ps
        self.peak = self.start_rss = self.ps.memory_info().rss

    def begin(self):
        times = self.ps.cpu_times()
        self.cpu0, self.wall0 = times.user + times.system, time.monotonic()
        self.sys0, self.switches0 = times.system, _context_switches(self.ps.pid)
        self.steal0 = _steal_ticks()
        self.start_rss = self.ps.memory_info().rss
        self.peak = self.start_rss

    def sample(self):
        try:
            self.peak = max(self.peak, self.ps.memory_info().rss)
        except psutil.Error:
            pass

    def end(self):
        times = self.ps.cpu_times()
        seconds = time.monotonic() - self.wall0
        switches = _context_switches(self.ps.pid) - self.switches0
        steal, total = (a - b for a, b in zip(_steal_ticks(), self.steal0))
        return {'cpu_percent': 100 * (times.user + times.system - self.cpu0) / seconds,
                'system_cpu_percent': 100 * (times.system - self.sys0) / seconds,
                'context_switches_per_s': switches / seconds,
                # A virtual machine's CPUs lent to others: a run with much of it is noise.
                'steal_percent': 100 * steal / total if total else 0.0,
                'rss_start_mb': self.start_rss / 1e6, 'rss_peak_mb': self.peak / 1e6}


def bridge_command(port, *extra):
    prefix = subprocess.check_output(
        [sys.executable, '-c', 'from ament_index_python.packages import get_package_prefix;'
         'print(get_package_prefix("foxglove_bridge_py"))'], text=True).strip()
    return [os.path.join(prefix, 'lib', 'foxglove_bridge_py', 'foxglove_bridge'), '--ros-args',
            '-p', f'port:={port}', '-p', 'address:=127.0.0.1', '-p',
            "topic_whitelist:=['/bench/.*']", '-p', f'send_buffer_limit:={SEND_BUFFER_LIMIT}',
            '-p', 'capabilities:=[]', '-p', 'diagnostics_as_status:=false', *extra]


def baseline_command(revision, port, workdir, *extra):
    """Run the bridge of another git revision from its sources, with this one's parameters."""
    source = os.path.join(workdir, revision)
    if not os.path.isdir(source):
        os.makedirs(source)
        archive = subprocess.run(['git', '-C', os.path.dirname(HERE), 'archive', revision,
                                  'foxglove_bridge_py'], check=True, capture_output=True).stdout
        subprocess.run(['tar', '-x', '-C', source], input=archive, check=True)
    command = bridge_command(port, *extra)
    launcher = ('import sys; sys.path.insert(0, %r); from foxglove_bridge_py.node import main; '
                'sys.exit(main())' % source)
    return [sys.executable, '-c', launcher, *command[1:]]


def cpu_plan(pin):
    """
    Choose the CPUs of the receiver, and those of the publisher and the WebSocket client.

    Pinned, the receiver under test (ceiling, bridge or SDK forwarder, with all its threads)
    has one core of its own, and the publisher and the client share the others: the ceiling
    is then what rclpy takes in on one core, and the bridge is measured on the same budget,
    without the measuring client's CPU in its way (the app runs on another machine). Only for
    the scenarios of :data:`PINNED`: where latency is measured, a client pinned beside the
    publisher would wait for it to serialize each large message.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    return {cpus[-1]}, set(cpus[:-1])


def run_one(scenario, receiver, seconds, env, workdir=None, pin=True):
    name, stream, clients, stalled, _ = scenario
    py = sys.executable
    mine, theirs = cpu_plan(pin)
    children = []
    try:
        port = free_port()
        if receiver.startswith('ceiling'):
            server = Child([py, 'ceiling.py', stream, str(seconds + 1 + DRAIN + 5), *(
                ['--malloc-reuse'] if receiver.endswith('malloc') else [])], env, mine)
            server.wait_for(lambda v: isinstance(v, dict) and v.get('ready'))
        elif receiver.startswith('bridge'):
            deflate = receiver.endswith('deflate')
            server = Child(bridge_command(port, *(
                ('-p', 'use_compression:=true') if deflate else ())), env, mine)
            server.wait_for(lambda v: isinstance(v, str) and 'listening on' in v)
        elif receiver.startswith('baseline '):
            server = Child(baseline_command(receiver.split(' ', 1)[1], port, workdir), env, mine)
            server.wait_for(lambda v: isinstance(v, str) and 'listening on' in v)
        else:
            server = Child([py, 'sdk_forwarder.py', stream, str(port)], env, mine)
            server.wait_for(lambda v: isinstance(v, str) and 'listening on' in v)
        children.append(server)
        # The publisher first: it waits for a ROS subscriber, which the bridge and the SDK
        # forwarder create only once a client has seen the topic and subscribed to it.
        publisher = Child([py, 'publisher.py', stream, str(seconds)], env, theirs)
        children.append(publisher)
        client = None
        if not receiver.startswith('ceiling'):
            client = Child([py, 'ws_client.py', f'ws://127.0.0.1:{port}',
                            str(seconds + 1 + DRAIN), '--clients', str(clients),
                            '--stream', stream,
                            '--stalled', str(stalled),
                            *(['--deflate'] if receiver.endswith('deflate') else [])], env, theirs)
            children.append(client)
            client.wait_for(lambda v: isinstance(v, dict) and v.get('ready'))
        sampler = Sampler(server)
        # On a small machine the WebSocket client competes with the bridge for the CPU: its
        # share is reported too (the ceiling has no client).
        others = {'client': client and Sampler(client)}
        publisher.wait_for(lambda v: isinstance(v, dict) and v.get('ready'))
        time.sleep(1.0)
        sampler.begin()
        for other in filter(None, others.values()):
            other.begin()
        while publisher.process.poll() is None:
            sampler.sample()
            time.sleep(0.1)
        usage = sampler.end()
        for role, other in others.items():
            if other is not None:
                usage[f'{role}_cpu_percent'] = other.end()['cpu_percent']
        published = publisher.wait_for(lambda v: isinstance(v, dict) and 'published' in v)
        for _ in range(int(DRAIN / 0.1)):
            sampler.sample()
            time.sleep(0.1)
        usage['rss_peak_mb'] = sampler.peak / 1e6
        if receiver.startswith('ceiling'):
            received = [server.wait_for(lambda v: isinstance(v, dict) and 'messages' in v)]
        else:
            received = client.wait_for(lambda v: isinstance(v, dict) and 'clients' in v)[
                'clients']
        return {'scenario': name, 'receiver': receiver, 'published': published['published'],
                'publish_seconds': published['seconds'], 'clients': received, **usage}
    finally:
        for child in reversed(children):
            child.stop()


def startup(env, topics=500):
    many = Child([sys.executable, 'many_topics.py', str(topics)], env)
    try:
        many.wait_for(lambda v: isinstance(v, dict) and v.get('ready'))
        port = free_port()
        started = time.monotonic()
        bridge = Child(bridge_command(port), env)
        try:
            import asyncio

            import websockets

            async def first_client():
                while True:
                    try:
                        ws = await websockets.connect(f'ws://127.0.0.1:{port}',
                                                      subprotocols=['foxglove.sdk.v1'],
                                                      max_size=None)
                        break
                    except OSError:
                        await asyncio.sleep(0.01)
                await ws.recv()
                served = time.monotonic() - started
                channels = 0
                while channels < topics:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    channels += len([c for c in message.get('channels', [])
                                     if c['topic'].startswith('/bench/many/')])
                await ws.close()
                return served, time.monotonic() - started

            served, advertised = asyncio.run(first_client())
        finally:
            bridge.stop()
        return {'topics': topics, 'first_client_served_s': served,
                'all_advertised_s': advertised}
    finally:
        many.stop()


def figures(result):
    published = result['published']
    rows = []
    for client in result['clients']:
        seconds = result['publish_seconds']
        rows.append({
            'msgs_per_s': client['messages'] / seconds if seconds else 0,
            'mb_per_s': client['bytes'] / seconds / 1e6 if seconds else 0,
            'delivered_percent': 100 * client['messages'] / published if published else 0,
            'p50_ms': client['p50_ms'], 'p99_ms': client['p99_ms']})
    worst = min(rows, key=lambda r: r['delivered_percent'])
    forwarded = sum(r['msgs_per_s'] for r in rows) / len(rows)
    return {'msgs_per_s': forwarded,
            # The receiver's CPU per message it took from ROS (each went to every client).
            'cpu_us_per_msg': (10_000 * result['cpu_percent'] / forwarded
                               if forwarded else None),
            'mb_per_s': sum(r['mb_per_s'] for r in rows) / len(rows),
            'delivered_percent': worst['delivered_percent'],
            'p50_ms': max((r['p50_ms'] or 0) for r in rows),
            'p99_ms': max((r['p99_ms'] or 0) for r in rows),
            'cpu_percent': result['cpu_percent'],
            'system_cpu_percent': result.get('system_cpu_percent'),
            'steal_percent': result.get('steal_percent'),
            # Context switches of all its threads per message: thread hand-offs show here.
            'switches_per_msg': (result['context_switches_per_s'] / forwarded
                                 if forwarded and 'context_switches_per_s' in result else None),
            'rss_start_mb': result['rss_start_mb'],
            'rss_peak_mb': result['rss_peak_mb']}


def median(values):
    """Return the median of some numbers (the lower of the middle two), or None for none."""
    ordered = sorted(v for v in values if v is not None)
    return ordered[(len(ordered) - 1) // 2] if ordered else None


def median_run(runs):
    """Sum up a receiver's rounds: each figure is the median of its values in the rounds."""
    result = dict(runs[0])
    figures = {}
    for key in runs[0]['figures']:
        figures[key] = median(r['figures'][key] for r in runs)
    result['figures'] = figures
    result['repeats'] = [r['figures'] for r in runs]
    return result


def of_ceiling(result, results):
    """Give a receiver's message rate as a share of the ceiling's on the same stream."""
    if result.get('of_ceiling_rounds'):
        return median(result['of_ceiling_rounds'])
    stream = next(s[1] for s in SCENARIOS if s[0] == result['scenario'])
    ceilings = [r for r in results if r['receiver'] == 'ceiling' and next(
        s[1] for s in SCENARIOS if s[0] == r['scenario']) == stream]
    if not ceilings or not ceilings[0]['figures']['msgs_per_s']:
        return None
    return 100 * result['figures']['msgs_per_s'] / ceilings[0]['figures']['msgs_per_s']


def _added(figures, key):
    """Show a latency's median excess over the ceiling's, round by round, where there is one."""
    added = figures.get(f'added_{key}')
    return '' if added is None else f' ({added:+.2f})'


def table(results, start):
    lines = ['| stream | receiver | msgs/s | of ceiling | MB/s | delivered | p50 ms | p99 ms '
             '| CPU % | CPU µs/msg | RSS MB (start→peak) |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    for result in results:
        f = result['figures']
        share = of_ceiling(result, results)
        lines.append(
            f"| ({result['scenario']}) {DESCRIPTIONS[result['scenario']]} | {result['receiver']} "
            f"| {f['msgs_per_s']:.0f} | {fmt(share, 0)}{' %' if share is not None else ''} "
            f"| {f['mb_per_s']:.1f} | {f['delivered_percent']:.1f} % "
            f"| {f['p50_ms']:.2f}{_added(f, 'p50_ms')} | {f['p99_ms']:.2f}{_added(f, 'p99_ms')} "
            f"| {f['cpu_percent']:.0f} "
            f"| {fmt(f.get('cpu_us_per_msg'), 1)} "
            f"| {f['rss_start_mb']:.0f}→{f['rss_peak_mb']:.0f} |")
    if start:
        lines.append('')
        lines.append(f"Start-up with {start['topics']} topics on the graph: first client served "
                     f"{start['first_client_served_s']:.2f} s after launch, all topics "
                     f"advertised {start['all_advertised_s']:.2f} s after launch.")
    return '\n'.join(lines)


def run_rounds(scenario, receivers, rounds, seconds, env, workdir, pin):
    """Run every receiver of a scenario once per round, in turns; sum each one up."""
    runs = {receiver: [] for receiver in receivers}
    # Receivers take turns, round after round: a spell of machine noise then falls on all of
    # them, and the median of each is reported.
    for _ in range(rounds):
        for receiver in receivers:
            print(f'running ({scenario[0]}) {DESCRIPTIONS[scenario[0]]} with {receiver}',
                  file=sys.stderr, flush=True)
            result = run_one(scenario, receiver, seconds, env, workdir, pin)
            result['figures'] = f = figures(result)
            runs[receiver].append(result)
            print(f"  {f['msgs_per_s']:.0f} msgs/s, CPU {f['cpu_percent']:.0f} % "
                  f"({fmt(f['system_cpu_percent'], 0)} % system), "
                  f"{fmt(f['switches_per_msg'], 2)} context switches/msg, "
                  f"{fmt(f['steal_percent'], 0)} % stolen", file=sys.stderr)
    summed = []
    for receiver in receivers:
        result = median_run(runs[receiver])
        if 'ceiling' in runs and receiver != 'ceiling':
            # Each round against the ceiling run next to it in time, then the medians.
            pairs = [(r['figures'], c['figures'])
                     for r, c in zip(runs[receiver], runs['ceiling'])]
            result['of_ceiling_rounds'] = [100 * r['msgs_per_s'] / c['msgs_per_s']
                                           for r, c in pairs if c['msgs_per_s']]
            for key in ('p50_ms', 'p99_ms'):
                result['figures'][f'added_{key}'] = median([r[key] - c[key] for r, c in pairs])
        if 'ceiling+malloc' in runs and not receiver.startswith('ceiling'):
            # Over rclpy with the bridge's allocator settings: what forwarding alone adds.
            for key in ('p50_ms', 'p99_ms'):
                result['figures'][f'added_{key}_malloc'] = median([
                    r['figures'][key] - c['figures'][key]
                    for r, c in zip(runs[receiver], runs['ceiling+malloc'])])
        summed.append(result)
    return summed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--seconds', type=float, default=10.0, help='publishing time per run')
    parser.add_argument('--smoke', action='store_true',
                        help='a few seconds, bridge and ceiling only, (a) (b) (g): checks that '
                        'it runs')
    parser.add_argument('--only', default='', help='scenarios to run, e.g. "ab"')
    parser.add_argument('--no-pin', action='store_true',
                        help='let the receiver share every CPU with the publisher and client')
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs of each receiver, taking turns; the median is reported')
    parser.add_argument('--output', default=os.path.join(HERE, 'results', 'latest.json'))
    parser.add_argument('--baseline', default='',
                        help='git revisions (comma-separated) whose bridges also run, '
                        "right after this one's")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='bench-baseline-')
    env = dict(os.environ, ROS_DOMAIN_ID=str(random.randint(102, 200) % 101 + 1),
               PYTHONUNBUFFERED='1', RCUTILS_LOGGING_BUFFERED_STREAM='0')
    try:
        import foxglove  # noqa: F401
        have_sdk = True
    except ImportError:
        have_sdk = False
    seconds = 1.0 if args.smoke else args.seconds
    results = []
    for scenario in SCENARIOS:
        if args.only and scenario[0] not in args.only:
            continue
        if args.smoke and scenario[0] not in 'abg':
            continue
        baselines = [f'baseline {rev}' for rev in args.baseline.split(',') if rev]
        receivers = [r for receiver in scenario[4] for r in (
            [receiver, *baselines] if receiver == 'bridge' else [receiver])]
        receivers = [r for r in receivers if not (
            r == 'sdk' and not have_sdk or args.smoke and r not in ('ceiling', 'bridge'))]
        results.extend(run_rounds(scenario, receivers, 1 if args.smoke else args.repeat,
                                  seconds, env, workdir,
                                  not args.no_pin and scenario[0] in PINNED))
    start = None if args.only else startup(env, 50 if args.smoke else 500)
    text = table(results, start)
    print(text)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as f:
        json.dump({'date': time.strftime('%Y-%m-%d'), 'cpus': os.cpu_count(),
                   'pinned': '' if args.no_pin or cpu_plan(True)[0] is None else PINNED,
                   'seconds': seconds, 'results': results, 'startup': start,
                   'table': text}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
