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
The README a newcomer reads in five minutes, and the docs for the rest.

The README keeps its budget and its quick start; the parameter reference is what the generator
writes from the node's table; every relative link of the README, CONTRIBUTING and the docs
resolves, to a file and, for a Markdown page, to a heading; the installed package carries them.
"""

import importlib.util
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README_LINES = 300
PAGES = ['parameters.md', 'features.md', 'slow-links.md', 'twins.md', 'monitoring.md',
         'security.md', 'remote-access.md', 'playback.md', 'benchmark.md', 'architecture.md']


def markdown_files():
    return [ROOT / 'README.md', ROOT / 'CONTRIBUTING.md', *sorted((ROOT / 'docs').glob('*.md'))]


def slug(heading):
    """Give a heading's anchor as GitHub makes it."""
    text = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return text.replace(' ', '-')


def readme_sections():
    """Give each ``##`` section of the README by its heading: its text up to the next one."""
    sections, heading = {}, None
    for line in (ROOT / 'README.md').read_text().splitlines():
        if line.startswith('## '):
            heading = line[3:]
            sections[heading] = []
        elif heading is not None:
            sections[heading].append(line)
    return {name: '\n'.join(lines) for name, lines in sections.items()}


def test_the_readme_fits_its_budget_and_starts_with_the_two_set_up_commands():
    text = (ROOT / 'README.md').read_text()
    assert len(text.splitlines()) <= README_LINES
    first_section = next(iter(readme_sections().values()))
    assert 'scripts/demo.sh' in first_section and 'scripts/test.sh' in first_section


def test_every_page_is_in_the_readmes_table_of_contents():
    readme = (ROOT / 'README.md').read_text()
    assert sorted(p.name for p in (ROOT / 'docs').glob('*.md')) == sorted(PAGES)
    assert [page for page in PAGES if f'(docs/{page})' not in readme] == []


def test_the_parameter_reference_is_the_generators_output():
    spec = importlib.util.spec_from_file_location(
        'parameters_doc', ROOT / 'scripts' / 'parameters_doc.py')
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert (ROOT / 'docs' / 'parameters.md').read_text() == generator.page(), (
        'docs/parameters.md is out of date: run python scripts/parameters_doc.py')


def test_every_relative_link_resolves():
    broken = []
    for path in markdown_files():
        text = path.read_text()
        for target in re.findall(r'\]\(([^)\s]+)\)', text):
            if re.match(r'[a-z]+:', target):
                continue  # https:, mailto:
            file_part, _, anchor = target.partition('#')
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.exists():
                broken.append(f'{path.name}: {target}')
            elif anchor and linked.suffix == '.md':
                headings = [slug(line.lstrip('#')) for line in linked.read_text().splitlines()
                            if line.startswith('#')]
                if anchor not in headings:
                    broken.append(f'{path.name}: {target} (no such heading)')
    assert broken == []


def test_the_installed_package_carries_its_docs():
    packages = pytest.importorskip('ament_index_python.packages')
    try:
        share = pathlib.Path(packages.get_package_share_directory('foxglove_bridge_py'))
    except packages.PackageNotFoundError:
        pytest.skip('the package is not installed')
    assert sorted(p.name for p in (share / 'docs').glob('*.md')) == sorted(PAGES)
    assert (share / 'CHANGELOG.rst').exists() and (share / 'README.md').exists()
