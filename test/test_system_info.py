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

"""The sysinfo channel: figures from literal /proc text, and its timer (pure)."""

from dataclasses import replace
import json

from foxglove_bridge_py.monitoring.system_info import (SCHEMA, SCHEMA_NAME, SystemInfoSource,
                                                       SystemSampler)

MEMINFO = ('MemTotal:       16000000 kB\nMemFree:         1000000 kB\n'
           'MemAvailable:    6000000 kB\nSwapTotal:       2000000 kB\n'
           'SwapFree:        1500000 kB\nHugePages_Total:       0\n')


class FakeHost:
    """/proc as text, and a process's CPU seconds, moved on by hand."""

    def __init__(self):
        self.stat = 'cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n'
        self.cpu_seconds = 10.0
        self.now = 50.0

    def read(self, path):
        return {'/proc/stat': self.stat, '/proc/meminfo': MEMINFO,
                '/proc/self/statm': '25000 5000 1200 1 0 3000 0\n',
                '/etc/os-release': 'NAME="Ubuntu"\nVERSION_ID="24.04"\n'}[path]


def test_a_sample_has_the_cpp_bridge_fields_measured_since_the_last():
    host = FakeHost()
    sampler = SystemSampler(host.read, lambda: host.cpu_seconds, lambda: host.now,
                            num_cpus=4, page_size=4096)
    # In 0.5 s the host was busy 300 of 1000 ticks and the process used 0.25 CPU seconds.
    host.stat = 'cpu  250 0 150 1200 200 0 0 0 0 0\n'
    host.cpu_seconds, host.now = 10.25, 50.5
    sample = sampler.sample()
    assert {k: v for k, v in sample.items() if k != 'kernel_version'} == {
        'process_memory': 5000 * 4096.0, 'process_virtual_memory': 25000 * 4096.0,
        'process_cpu_percent': 50.0, 'total_cpu_percent': 25.0, 'num_cpus': 4,
        'total_memory': 16000000 * 1024.0, 'used_memory': 10000000 * 1024.0,
        'total_swap': 2000000 * 1024.0, 'used_swap': 500000 * 1024.0, 'os_version': '24.04'}
    assert isinstance(sample['kernel_version'], str) and sample['kernel_version']
    schema = json.loads(SCHEMA)
    assert set(schema['properties']) == set(sample)
    assert (schema['type'], SCHEMA_NAME) == ('object', 'foxglove.SystemInfo')


def test_this_host_can_be_sampled():
    sampler = SystemSampler()
    sample = sampler.sample()
    assert sample['process_memory'] > 10e6 and sample['total_memory'] > sample['used_memory'] > 0
    assert 0.0 <= sample['total_cpu_percent'] <= 100.0


class FakeTimers:
    """A hand-moved stand-in."""

    def __init__(self):
        self.pending = []

    def call_later(self, delay, callback):
        timer = Timer(delay, callback, self)
        self.pending.append(timer)
        return timer

    def fire(self):
        timer = self.pending.pop(0)
        timer.callback()


class Timer:
    """A hand-moved stand-in."""

    def __init__(self, delay, callback, timers):
        self.delay, self.callback, self.timers = delay, callback, timers

    def cancel(self):
        self.timers.pending.remove(self)


def test_the_source_samples_only_while_subscribed():
    host, timers, delivered = FakeHost(), FakeTimers(), []
    sampler = SystemSampler(host.read, lambda: host.cpu_seconds, lambda: host.now, 2, 4096)
    source = SystemInfoSource('/foxglove_bridge/sysinfo', 0.5, sampler, delivered.extend,
                              timers.call_later, lambda: 123)
    channel = source.channel
    assert (channel.topic, channel.encoding, channel.schema_name, channel.schema_encoding) == (
        '/foxglove_bridge/sysinfo', 'json', 'foxglove.SystemInfo', 'jsonschema')
    assert timers.pending == []
    source.start(replace(channel, id=7))
    assert [t.delay for t in timers.pending] == [0.5]
    timers.fire()
    timers.fire()
    assert [(c, s, t) for c, s, t, _ in delivered] == [(7, 0, 123), (7, 1, 123)]
    assert json.loads(delivered[0][3])['num_cpus'] == 2
    source.stop(7)
    assert timers.pending == []
