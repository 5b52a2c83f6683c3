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
The sysinfo channel: the host's and the bridge process's CPU and memory, as the C++ bridge has.

The C++ bridge (3.2 on) advertises ``sysinfo_topic`` as a channel of its own, not a ROS topic:
JSON messages of schema ``foxglove.SystemInfo`` (a JSON Schema), every
``sysinfo_refresh_interval`` ms. This one sends the same fields with the same meaning, so that
layouts made for it keep working: memory in bytes, ``process_cpu_percent`` where 100 is one
logical CPU busy, ``total_cpu_percent`` over all CPUs from 0 to 100. Figures come from Linux's
/proc; CPU shares are differences between two samples, so the first message follows the first
period. Sampled only while a client subscribes. Pure: the reader of /proc and the timer are
handed in.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from typing import Callable, Optional, Protocol, Sequence

from foxglove_bridge_py.core.seams import Message
from foxglove_bridge_py.protocol import Channel

SCHEMA_NAME = 'foxglove.SystemInfo'
_FIELDS = (
    ('process_memory', 'number', 'Resident memory of the bridge process, in bytes.'),
    ('process_virtual_memory', 'number', 'Virtual memory of the bridge process, in bytes.'),
    ('process_cpu_percent', 'number', 'CPU use of the bridge process, as a percent of one '
     'logical CPU: up to 100 times num_cpus.'),
    ('total_cpu_percent', 'number', 'CPU use of the whole host over all logical CPUs, from 0 '
     'to 100.'),
    ('num_cpus', 'integer', 'Logical CPUs of the host.'),
    ('total_memory', 'number', 'Physical memory of the host, in bytes.'),
    ('used_memory', 'number', 'Physical memory in use on the host (total minus available), in '
     'bytes.'),
    ('total_swap', 'number', 'Swap space of the host, in bytes.'),
    ('used_swap', 'number', 'Swap space in use, in bytes.'),
    ('kernel_version', 'string', 'Kernel release, or empty.'),
    ('os_version', 'string', 'Version of the operating system (VERSION_ID of /etc/os-release), '
     'or empty.'),
)
SCHEMA = json.dumps({
    '$schema': 'https://json-schema.org/draft/2020-12/schema',
    'title': 'SystemInfo',
    'description': "CPU and memory of the host and of the bridge's process.",
    'type': 'object',
    'properties': {name: {'type': kind, 'description': text} for name, kind, text in _FIELDS},
}, indent=2)


def read_text(path: str) -> str:
    """
    Read a small text file such as one of /proc.

    :param path: its path.
    :return: its text.
    """
    with open(path) as f:
        return f.read()


def _meminfo_bytes(text: str) -> dict[str, int]:
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(':')
        fields = rest.split()
        if fields:
            values[name] = int(fields[0]) * (1024 if fields[1:] == ['kB'] else 1)
    return values


def _os_version(read: Callable[[str], str]) -> str:
    try:
        text = read('/etc/os-release')
    except OSError:
        return ''
    for line in text.splitlines():
        if line.startswith('VERSION_ID='):
            return line.split('=', 1)[1].strip().strip('"')
    return ''


class SystemSampler:
    """Samples the host's and this process's CPU and memory; CPU over the time between."""

    def __init__(self, read: Callable[[str], str] = read_text,
                 process_cpu_seconds: Callable[[], float] = time.process_time,
                 clock: Callable[[], float] = time.monotonic,
                 num_cpus: Optional[int] = None, page_size: Optional[int] = None) -> None:
        """
        Take a first sample to measure CPU from.

        :param read: reads a file's text (/proc/stat, /proc/meminfo, /proc/self/statm).
        :param process_cpu_seconds: CPU seconds this process has used, all threads.
        :param clock: monotonic seconds.
        :param num_cpus: logical CPUs (default: the host's).
        :param page_size: bytes of a memory page (default: the host's).
        :raises OSError: if /proc cannot be read (not Linux).
        """
        self._read = read
        self._process_cpu_seconds = process_cpu_seconds
        self._clock = clock
        self._num_cpus = num_cpus or os.cpu_count() or 1
        self._page_size = page_size or os.sysconf('SC_PAGE_SIZE')
        self._kernel = os.uname().release
        self._os_version = _os_version(read)
        self._host_cpu = self._host_cpu_times()
        self._process_cpu = (process_cpu_seconds(), clock())

    def _host_cpu_times(self) -> tuple[int, int]:
        # The first line of /proc/stat: user nice system idle iowait irq softirq steal ...
        fields = [int(x) for x in self._read('/proc/stat').split('\n', 1)[0].split()[1:9]]
        return sum(fields) - fields[3] - fields[4], sum(fields)

    def sample(self) -> dict[str, object]:
        """
        Measure now.

        :return: the message's fields.
        :raises OSError: if /proc cannot be read.
        """
        busy, total = self._host_cpu_times()
        cpu_seconds, now = self._process_cpu_seconds(), self._clock()
        last_busy, last_total = self._host_cpu
        last_seconds, last_now = self._process_cpu
        self._host_cpu, self._process_cpu = (busy, total), (cpu_seconds, now)
        memory = _meminfo_bytes(self._read('/proc/meminfo'))
        size, resident = (int(x) for x in self._read('/proc/self/statm').split()[:2])
        total_memory = memory.get('MemTotal', 0)
        return {
            'process_memory': float(resident * self._page_size),
            'process_virtual_memory': float(size * self._page_size),
            'process_cpu_percent': round(100.0 * (cpu_seconds - last_seconds)
                                         / max(now - last_now, 1e-6), 2),
            'total_cpu_percent': round(100.0 * (busy - last_busy)
                                       / max(total - last_total, 1), 2),
            'num_cpus': self._num_cpus,
            'total_memory': float(total_memory),
            'used_memory': float(total_memory - memory.get('MemAvailable',
                                                           memory.get('MemFree', 0))),
            'total_swap': float(memory.get('SwapTotal', 0)),
            'used_swap': float(memory.get('SwapTotal', 0) - memory.get('SwapFree', 0)),
            'kernel_version': self._kernel,
            'os_version': self._os_version,
        }


class Cancellable(Protocol):
    """A timer's handle, as ``loop.call_later`` returns it."""

    def cancel(self) -> None:
        """Cancel the call."""


class SystemInfoSource:
    """Sends a sample on the sysinfo channel every interval while a client subscribes."""

    def __init__(self, topic: str, interval: float, sampler: SystemSampler,
                 deliver: Callable[[Sequence[Message]], None],
                 call_later: Callable[[float, Callable[[], None]], Cancellable],
                 wall_clock_ns: Callable[[], int] = time.time_ns) -> None:
        """
        Prepare the channel; nothing is sampled until :meth:`start`.

        :param topic: ``sysinfo_topic``.
        :param interval: seconds between messages.
        :param sampler: what measures.
        :param deliver: takes a batch of ``(channel_id, sequence, log_time_ns, payload)``.
        :param call_later: ``loop.call_later``: ``(seconds, callback)`` to a cancellable handle.
        :param wall_clock_ns: the log time of each message.
        """
        self.channel = Channel(0, topic, 'json', SCHEMA_NAME, SCHEMA, 'jsonschema')
        self._interval = interval
        self._sampler = sampler
        self._deliver = deliver
        self._call_later = call_later
        self._wall_clock_ns = wall_clock_ns
        self._sequence = itertools.count()
        self._channel_id: Optional[int] = None
        self._timer: Optional[Cancellable] = None

    def start(self, channel: Channel) -> None:
        """
        Start sampling: the first client subscribed.

        :param channel: the channel, with the id the core gave it.
        """
        self.stop()
        self._channel_id = channel.id
        self._sampler.sample()  # the CPU shares of the first message cover one interval
        self._timer = self._call_later(self._interval, self._send)

    def stop(self, channel_id: Optional[int] = None) -> None:
        """
        Stop sampling: the last client left.

        :param channel_id: the channel (there is one).
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _send(self) -> None:
        if self._channel_id is None:
            return
        self._timer = self._call_later(self._interval, self._send)
        payload = json.dumps(self._sampler.sample(), separators=(',', ':')).encode()
        self._deliver([(self._channel_id, next(self._sequence), self._wall_clock_ns(),
                        payload)])
