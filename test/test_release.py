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
Release hygiene: one version everywhere, a changelog bloom can read, a package.xml that validates.

``catkin_pkg`` (pinned in the tools requirements) is what bloom and rosdep read these with.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
catkin_pkg = pytest.importorskip('catkin_pkg')


def package():
    from catkin_pkg.package import parse_package

    warnings = []
    parsed = parse_package(str(ROOT / 'package.xml'), warnings=warnings)
    return parsed, warnings


def test_package_xml_parses_and_validates_without_warnings():
    parsed, warnings = package()
    parsed.validate(warnings=warnings)
    assert warnings == []
    assert parsed.name == 'foxglove_bridge_py'
    assert [str(name) for name in parsed.licenses] == ['Apache-2.0']
    assert parsed.maintainers and parsed.get_build_type() == 'ament_python'


def test_one_version_in_package_xml_setup_py_and_the_package():
    from foxglove_bridge_py import __version__

    parsed, _ = package()
    setup_py = re.search(r"version='([^']+)'", (ROOT / 'setup.py').read_text()).group(1)
    assert parsed.version == setup_py == __version__


def test_the_changelog_parses_newest_first_and_starts_with_this_version():
    from catkin_pkg.changelog import get_changelog_from_path

    changelog = get_changelog_from_path(str(ROOT / 'CHANGELOG.rst'), 'foxglove_bridge_py')
    versions = list(changelog.foreach_version(reverse=True))
    parsed, _ = package()
    assert versions[0][0] == parsed.version
    dates = [date for _, date, _ in versions]
    assert all(date is not None for date in dates) and dates == sorted(dates, reverse=True)
    assert all(list(content) for _, _, content in versions)
