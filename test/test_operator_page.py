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

"""The operator's page at GET /, opened in a real headless browser (Debian's chromium)."""

import asyncio
import html
import json
import os
import re
import shutil
import urllib.request

from bridge_harness import Client, TIMEOUT, wait_for
import pytest

pytest.importorskip('rclpy')

from std_msgs.msg import String  # noqa: E402

BROWSER = shutil.which('chromium') or shutil.which('chromium-browser')
SCREENSHOT = os.environ.get('FOXGLOVE_PAGE_SCREENSHOT')
"""Where to keep the browser's screenshot of the page (the README's picture), if set."""


def status(port, query=''):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/status{query}',
                                timeout=TIMEOUT) as response:
        return json.loads(response.read())


async def browse(url, *args):
    process = await asyncio.create_subprocess_exec(
        BROWSER, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-dev-shm-usage', '--virtual-time-budget=3000', *args, url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    out, _ = await asyncio.wait_for(process.communicate(), 6 * TIMEOUT)
    assert process.returncode == 0
    return out.decode()


def text_of(dom):
    return html.unescape(re.sub(r'<[^>]+>', ' ', dom))


def test_the_page_shows_a_connected_client_and_a_live_rate(run_bridge, helper_node, tmp_path):
    if BROWSER is None:
        assert not os.environ.get('CI'), 'CI installs chromium (.ci/run): it must be here'
        pytest.skip("no chromium here (apt-get install chromium; CI installs Debian's)")
    from sensor_msgs.msg import Image
    publisher = helper_node.create_publisher(String, '/chatter', 10)
    timer = helper_node.create_timer(0.05, lambda: publisher.publish(String(data='hello')))
    helper_node.create_publisher(Image, '/camera/image_raw', 10)  # its twins are on offer
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url, 'foxglove.sdk.v1')
        address = '%s:%d' % client.ws.local_address[:2]
        channel = await client.channel_for('/chatter')
        await client.subscribe(1, channel['id'])
        reading = asyncio.ensure_future(client.quiet(30.0))

        def live():
            report = status(bridge.port)
            rates = {c['topic']: c['messages_per_s'] for c in report['channels']}
            return rates.get('/chatter', 0) > 5 and report

        await asyncio.get_running_loop().run_in_executor(
            None, lambda: wait_for(live, what='a live rate in /status'))
        page = text_of(await browse(f'http://127.0.0.1:{bridge.port}/', '--dump-dom'))
        picture = SCREENSHOT or str(tmp_path / 'page.png')
        await browse(f'http://127.0.0.1:{bridge.port}/', f'--screenshot={picture}',
                     '--window-size=1100,760', '--hide-scrollbars')
        reading.cancel()
        await client.close()
        return page, address, picture

    page, address, picture = asyncio.run(scenario())
    helper_node.destroy_timer(timer)
    assert 'foxglove_bridge_py' in page
    assert address in page and 'foxglove.sdk.v1' in page
    rate = re.search(r'/chatter\s+std_msgs/msg/String\s+1\s+([0-9.]+)', page)
    assert rate is not None and float(rate.group(1)) > 5, page
    assert f'ws://127.0.0.1:{bridge.port}' in page or 'ws://' in page
    assert os.path.getsize(picture) > 10_000
