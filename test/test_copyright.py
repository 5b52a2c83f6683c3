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

"""Every source file carries the Apache-2.0 header; LICENSE is at the root."""

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER_LINES = (
    '# Copyright 2026 foxglove_bridge_py contributors',
    '# Licensed under the Apache License, Version 2.0 (the "License");',
)


def _sources():
    for folder in ('foxglove_bridge_py', 'launch', 'test', 'bench', 'scripts'):
        for base, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if name.endswith(('.py', '.sh')):
                    yield os.path.join(base, name)


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    missing = []
    for path in _sources():
        with open(path, encoding='utf-8') as f:
            head = f.read(1200)
        if not all(line in head for line in HEADER_LINES[:1]) or 'Apache License' not in head:
            missing.append(os.path.relpath(path, ROOT))
    assert not missing, f'files without the Apache-2.0 header: {missing}'
    with open(os.path.join(ROOT, 'LICENSE'), encoding='utf-8') as f:
        assert 'Apache License' in f.read(2000)


@pytest.mark.linter
def test_sources_parse_as_python_3_10():
    # ROS 2 Humble runs Python 3.10: no newer syntax may slip in.
    import glob
    import shutil
    import subprocess
    candidates = [shutil.which('python3.10')] + sorted(glob.glob(os.path.expanduser(
        '~/.pyenv/versions/3.10*/bin/python3.10')))
    working = [c for c in candidates if c and subprocess.run(
        [c, '-c', 'import sys; assert sys.version_info[:2] == (3, 10)'],
        capture_output=True).returncode == 0]
    if not working:
        pytest.skip('no Python 3.10 interpreter here')
    python310 = working[0]
    paths = [p for p in _sources() if p.endswith('.py')] + [os.path.join(ROOT, 'setup.py')]
    script = 'import ast, sys\nfor p in sys.argv[1:]: ast.parse(open(p).read(), p)'
    result = subprocess.run([python310, '-c', script, *paths], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.linter
def test_xml_files_are_well_formed():
    import xml.etree.ElementTree as ElementTree
    for name in ('package.xml', os.path.join('launch', 'foxglove_bridge_launch.xml')):
        ElementTree.parse(os.path.join(ROOT, name))
