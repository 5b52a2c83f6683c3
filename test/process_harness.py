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

"""The installed executable, started in the background exactly as ``ros2 run`` starts it."""

import os
import re
import subprocess
import threading

from bridge_harness import TIMEOUT, wait_for
import pytest


def executable(program='foxglove_bridge'):
    """``<prefix>/lib/foxglove_bridge_py/<program>``, where ``ros2 run`` looks."""
    from ament_index_python.packages import get_package_prefix, PackageNotFoundError
    try:
        prefix = get_package_prefix('foxglove_bridge_py')
    except PackageNotFoundError:
        if os.environ.get('FOXGLOVE_REQUIRE_INSTALLED'):
            raise
        pytest.skip('foxglove_bridge_py is not installed: run scripts/setup.sh and source '
                    'the workspace')
    path = os.path.join(prefix, 'lib', 'foxglove_bridge_py', program)
    assert os.access(path, os.X_OK), path
    return path


class Process:
    """The bridge executable running in the background, its output collected."""

    def __init__(self, domain_id, *args, unset=(), extra_env=None, program='foxglove_bridge'):
        env = dict(os.environ, ROS_DOMAIN_ID=str(domain_id), PYTHONUNBUFFERED='1',
                   RCUTILS_LOGGING_BUFFERED_STREAM='0', **(extra_env or {}))
        for name in unset:
            env.pop(name, None)
        self.process = subprocess.Popen([executable(program), *args], env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip('\n'))

    def output(self):
        if self.process.poll() is not None:
            self._reader.join(TIMEOUT)
        return '\n'.join(self.lines)

    def port(self):
        match = wait_for(lambda: re.search(r'listening on wss?://[^:]+:(\d+)', self.output()),
                         what='the bridge to listen')
        return int(match.group(1))

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT)
