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

"""The benchmark's smoke run: a few seconds, checking that it runs, not how fast."""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip('rclpy')
pytest.importorskip('psutil')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_benchmark_smoke_run(tmp_path, domain_id):
    from ament_index_python.packages import get_package_prefix, PackageNotFoundError
    try:
        get_package_prefix('foxglove_bridge_py')
    except PackageNotFoundError:
        if os.environ.get('FOXGLOVE_REQUIRE_INSTALLED'):
            raise
        pytest.skip('foxglove_bridge_py is not installed: the benchmark runs the executable')
    output = tmp_path / 'bench.json'
    env = dict(os.environ, ROS_DOMAIN_ID=str(domain_id))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'bench', 'run.py'), '--smoke', '--output',
         str(output)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(output.read_text())
    receivers = {(r['scenario'], r['receiver']) for r in report['results']}
    assert receivers == {('a', 'ceiling'), ('a', 'bridge'), ('b', 'ceiling'), ('b', 'bridge'),
                         ('g', 'ceiling'), ('g', 'bridge')}
    assert all(r['published'] > 0 for r in report['results'])
    # The mix's 50 topics each reach the ceiling and the bridge's client.
    mix = [r for r in report['results'] if r['scenario'] == 'g']
    assert all(r['clients'][0]['messages'] > 0 for r in mix)
    assert all(r['figures']['cpu_us_per_msg'] > 0 for r in mix)
    # The lean measuring client counts what the bridge sends, and (a) is measured for intake.
    assert all(r['clients'][0]['messages'] > 0 for r in report['results'])
    assert all(len(r['repeats']) == 1 and r['figures']['switches_per_msg'] > 0
               for r in report['results'])
    assert report['startup']['first_client_served_s'] > 0
    assert '| stream | receiver | msgs/s | of ceiling |' in result.stdout
