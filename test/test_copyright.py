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
def test_xml_files_are_well_formed():
    import xml.etree.ElementTree as ElementTree
    for name in ('package.xml', os.path.join('launch', 'foxglove_bridge_launch.xml')):
        ElementTree.parse(os.path.join(ROOT, name))
