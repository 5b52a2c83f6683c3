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

"""Large freed buffers are reused: megabyte messages stop faulting their pages in again."""

import json
import os
import platform
import subprocess
import sys

from foxglove_bridge_py import malloc_reuse
import pytest

# A fresh process each (allocator settings are process-wide): three 1 MiB buffers at a time,
# as one image passes through rmw, rclpy and the bridge, on a thread of its own (a thread's
# heap, as the executor's) and on the main one; page faults counted after a warm-up.
PROGRAM = """
import json, resource, sys, threading
from foxglove_bridge_py.malloc_reuse import keep_freed_buffers_for_reuse
threshold = keep_freed_buffers_for_reuse() if sys.argv[1] == 'reuse' else 0
MIB = 1024 * 1024

def burst():
    buffers = [bytearray(MIB) for _ in range(3)]
    del buffers

def faults(out):
    for _ in range(3):
        burst()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        burst()
    out.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)

out = []
thread = threading.Thread(target=faults, args=(out,))
thread.start()
thread.join()
faults(out)
print(json.dumps({'threshold': threshold, 'faults': out}))
"""

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason='glibc only')


def _run(mode: str) -> dict:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith('MALLOC_') or name == 'GLIBC_TUNABLES':
            del env[name]  # the allocator's defaults, whatever this shell set
    done = subprocess.run([sys.executable, '-c', PROGRAM, mode], env=env, check=True,
                          capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout)


@glibc_only
def test_freed_megabyte_buffers_are_reused_without_page_faults():
    plain, reuse = _run('plain'), _run('reuse')
    assert reuse['threshold'] == (malloc_reuse.MMAP_THRESHOLD if sys.maxsize > 2 ** 32
                                  else malloc_reuse.SMALLEST_USEFUL_THRESHOLD)
    # 20 bursts of 3 MiB: 15,360 pages each time if every page faulted in again.
    assert all(faults < 100 for faults in reuse['faults']), reuse
    # The defaults do fault them in again (what the setting is for), on either heap.
    assert all(faults > 3000 for faults in plain['faults']), plain


def test_nothing_changes_off_glibc(monkeypatch):
    monkeypatch.setattr(platform, 'libc_ver', lambda: ('', ''))
    assert malloc_reuse.keep_freed_buffers_for_reuse() == 0
