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

"""capabilities/asset_reader.py: assets read off the loop, answered in order, refusals by name."""

import asyncio
import re
import struct

import pytest

pytest.importorskip('rclpy')  # the harness builds the core as the bridge does

from core_harness import drain, make_core  # noqa: E402, I100
from foxglove_bridge_py.capabilities.asset_reader import AssetReader  # noqa: E402
from foxglove_bridge_py.capabilities.assets import ReadAsset  # noqa: E402


def no_packages(name):
    raise LookupError(name)


def test_assets_are_read_off_the_loop_and_answered_in_order(tmp_path):
    mesh = tmp_path / 'robot.stl'
    mesh.write_bytes(b'solid robot')
    core = make_core()
    session = core.hub.connect('c')
    drain(session)

    async def main():
        loop = asyncio.get_running_loop()
        reader = AssetReader(core.hub.sessions, core.assets, (re.compile(r'file://.*\.stl'),),
                             lambda read: loop.run_in_executor(None, read), no_packages)
        await asyncio.gather(
            reader.serve(ReadAsset(session.client_id, mesh.as_uri(), 1)),
            reader.serve(ReadAsset(session.client_id, f'file://{tmp_path}/secret.txt', 2)))

    asyncio.run(main())
    answers = drain(session)
    header = struct.Struct('<BIBI')
    assert [header.unpack_from(a)[:3] for a in answers] == [(4, 1, 0), (4, 2, 1)]
    assert answers[0][header.size:] == b'solid robot'
    assert b'asset_uri_allowlist' in answers[1][header.size:]
