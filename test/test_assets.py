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

"""Assets: the C++ bridge's fetch tests, package:// resolution and path-traversal attempts."""

import asyncio
import os
import struct

from bridge_harness import Client, TIMEOUT
from foxglove_bridge_py.config import compile_patterns, DEFAULT_ASSET_URI_ALLOWLIST
from foxglove_bridge_py.ros_rules import asset_files as assets
import pytest

DEFAULT = compile_patterns('asset_uri_allowlist', [DEFAULT_ASSET_URI_ALLOWLIST])
ANY_FILE = compile_patterns('asset_uri_allowlist', ['file://.*'])


@pytest.fixture
def package_tree(tmp_path):
    """Give a fake installed package 'robot' with a mesh, and a secret file outside it."""
    share = tmp_path / 'share' / 'robot'
    (share / 'meshes').mkdir(parents=True)
    (share / 'meshes' / 'base.stl').write_bytes(b'solid base')
    (tmp_path / 'secret.stl').write_bytes(b'secret')
    os.symlink(tmp_path / 'secret.stl', share / 'meshes' / 'link.stl')

    def package_share(name):
        if name != 'robot':
            raise LookupError(name)
        return str(share)

    return tmp_path, package_share


def test_package_uri_is_read(package_tree):
    _, package_share = package_tree
    assert assets.read('package://robot/meshes/base.stl', DEFAULT, package_share) == \
        b'solid base'


@pytest.mark.parametrize('uri, text', [
    ('package://robot/meshes/../../../secret.stl', 'contains ".."'),
    ('package://robot/meshes/%2e%2e/%2e%2e/secret.stl', 'contains ".."'),
    ('package://robot/meshes/link.stl', 'leads outside its package'),
    ('package://robot/meshes/missing.stl', 'not found'),
    ('package://nobody/meshes/base.stl', "package 'nobody' is not installed"),
    ('package://robot/meshes/base.exe', 'not allowed by asset_uri_allowlist'),
    ('http://example.com/mesh.stl', 'not allowed by asset_uri_allowlist'),
])
def test_refused_package_uris(package_tree, uri, text):
    _, package_share = package_tree
    with pytest.raises(assets.AssetError, match=text.replace('(', r'\(').replace(')', r'\)')):
        assets.read(uri, DEFAULT, package_share)


def test_file_uris_and_symlink_escape(package_tree):
    root, package_share = package_tree
    allowed = compile_patterns('asset_uri_allowlist', [f'file://{root}/share/.*'])
    mesh = f'file://{root}/share/robot/meshes/base.stl'
    assert assets.read(mesh, allowed, package_share) == b'solid base'
    with pytest.raises(assets.AssetError, match='a link leads outside the allowed assets'):
        assets.read(f'file://{root}/share/robot/meshes/link.stl', allowed, package_share)
    with pytest.raises(assets.AssetError, match='not allowed'):
        assets.read(f'file://{root}/secret.stl', allowed, package_share)
    with pytest.raises(assets.AssetError, match='absolute path'):
        assets.read('file://relative/mesh.stl', ANY_FILE, package_share)


def test_size_cap(package_tree):
    _, package_share = package_tree
    with pytest.raises(assets.AssetError, match='larger than 4 bytes'):
        assets.read('package://robot/meshes/base.stl', DEFAULT, package_share, max_size=4)


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


async def fetch(client, uri, request_id):
    await client.send({'op': 'fetchAsset', 'uri': uri, 'requestId': request_id})
    frame = await client.expect_binary()
    opcode, got_id, status, error_length = struct.unpack_from('<BIBI', frame)
    assert (opcode, got_id) == (4, request_id)
    error = frame[10:10 + error_length].decode()
    return status, error, frame[10 + error_length:]


def test_fetch_existing_and_missing_assets(run_bridge, tmp_path):
    pytest.importorskip('rclpy')
    asset = tmp_path / 'hello.txt'
    asset.write_text('Hello, world')
    bridge = run_bridge(asset_uri_allowlist=['file://.*'])

    async def scenario():
        client = await Client.connect(bridge.url)
        assert 'assets' in client.server_info['capabilities']
        assert await fetch(client, f'file://{asset}', 123) == (0, '', b'Hello, world')
        status, error, data = await fetch(client, 'file:///foo/bar', 456)
        assert (status, data) == (1, b'')
        assert error == "Asset 'file:///foo/bar' not found"
        await client.close()

    run(scenario())


def test_fetch_from_an_installed_package_and_default_allowlist(run_bridge):
    pytest.importorskip('rclpy')
    bridge = run_bridge(asset_uri_allowlist=['package://std_msgs/msg/.*'])
    default_bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        status, _, data = await fetch(client, 'package://std_msgs/msg/String.msg', 1)
        assert status == 0 and b'string data' in data
        status, error, _ = await fetch(client, 'package://std_msgs/msg/../package.xml', 2)
        assert status == 1 and '".."' in error
        await client.close()
        client = await Client.connect(default_bridge.url)
        status, error, _ = await fetch(client, 'package://std_msgs/msg/String.msg', 3)
        assert status == 1 and 'asset_uri_allowlist' in error
        await client.close()

    run(scenario())
