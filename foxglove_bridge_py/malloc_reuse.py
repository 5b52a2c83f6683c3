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
Keep the memory of large freed messages in the process, so the next one reuses it.

Every image or point cloud the bridge forwards passes through a few buffers of its size: the
one rmw serializes into, the ``bytes`` rclpy copies it to, and the Fast DDS history. With
glibc's defaults, a buffer of a megabyte is handed back to the kernel when it is freed
(``munmap``, or ``madvise`` when a thread's heap shrinks) and the next message faults every
one of its pages in again, zeroed: about 700 page faults for each 1 MiB image, most of the
receiving process's CPU on a camera stream, and milliseconds of latency. Raising the
allocator's thresholds keeps those pages mapped and reused, within a fixed cap. glibc only:
other C libraries manage memory their own way, and nothing is changed there.

It sits at the top, beside ``node.py``, because it is the process's start-up: ``node.main``
calls it once, before rclpy and the threads exist, and it changes the allocator of every thread
of the process (the executor's, the loop's, the encoder's). It imports nothing of ROS and
belongs to no thread.
"""

import ctypes
import ctypes.util
import platform

#: ``mallopt`` parameters, from glibc's ``malloc.h``.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: Allocations up to this size come from the heaps, so their memory is reused. glibc caps it
#: (32 MiB on 64-bit systems, 512 KiB on 32-bit ones); a refused value is halved.
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory at the top of a heap is returned to the kernel only past this much: how much a
#: burst of large messages may leave mapped per heap once it is over.
TRIM_THRESHOLD = 64 * 1024 * 1024
#: Below this threshold there is nothing to gain: megabyte messages would still be unmapped.
SMALLEST_USEFUL_THRESHOLD = 512 * 1024


def keep_freed_buffers_for_reuse() -> int:
    """
    Raise glibc's mmap and trim thresholds for this process.

    :return: the mmap threshold set, in bytes; 0 where nothing was changed (not glibc, or
        ``mallopt`` refused every value).
    """
    if platform.libc_ver()[0] != 'glibc':
        return 0
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return 0
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    threshold = MMAP_THRESHOLD
    while threshold >= SMALLEST_USEFUL_THRESHOLD:
        if mallopt(M_MMAP_THRESHOLD, threshold) == 1:
            mallopt(M_TRIM_THRESHOLD, max(TRIM_THRESHOLD, 2 * threshold))
            return threshold
        threshold //= 2
    return 0
