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

"""The access file read again when it changes, and who loses rights by it."""

import hashlib
import os

from foxglove_bridge_py.access.grant import OPEN
from foxglove_bridge_py.access.reload import AccessFile, revocations
from foxglove_bridge_py.access.table import AccessFileError, parse_access_file
import pytest


def entry(name, token, role, extra=''):
    return (f'  - name: {name}\n    sha256: {hashlib.sha256(token.encode()).hexdigest()}\n'
            f'    role: {role}\n{extra}')


def write(path, text):
    path.write_text(text)
    os.chmod(path, 0o600)
    # Each version must look new even where the file system's clock is coarse.
    stamp = 1_700_000_000 + len(text) + write.count
    write.count += 1
    os.utime(path, (stamp, stamp))


write.count = 0


def test_a_changed_file_replaces_the_table_and_a_bad_one_keeps_it_with_one_error(tmp_path):
    path = tmp_path / 'access.yaml'
    write(path, 'tokens:\n' + entry('a', 'ta', 'operator'))
    access = AccessFile(str(path))
    errors = []
    assert access.poll(errors.append) is None  # unchanged: not even read
    write(path, 'tokens:\n' + entry('a', 'ta', 'viewer') + entry('b', 'tb', 'operator'))
    table = access.poll(errors.append)
    assert [(g.name, g.role.label) for g in table.grants] == [('a', 'viewer'),
                                                              ('b', 'operator')]
    write(path, 'tokens:\n' + entry('a', 'ta', 'viewer') + '  - name: [\n')
    assert access.poll(errors.append) is None
    assert access.poll(errors.append) is None
    assert errors == [f"access file '{path}': line 6: not valid YAML: expected the node "
                      "content, but found '<stream end>'; keeping the tokens read before"]
    assert access.table is table
    path.unlink()
    assert access.poll(errors.append) is None
    assert errors[1] == (f"access file '{path}': cannot read it: No such file or directory; "
                         'keeping the tokens read before')
    write(path, 'anonymous: viewer\n')
    assert access.poll(errors.append).grants == ()


def test_a_bad_file_at_start_up_is_an_error_naming_it(tmp_path):
    path = tmp_path / 'access.yaml'
    write(path, 'tokens:\n  - name: a\n    role: admin\n    sha256: 00\n')
    with pytest.raises(AccessFileError) as refused:
        AccessFile(str(path))
    assert str(refused.value) == (f"access file '{path}': line 4: sha256 of \"a\" must be 64 "
                                  'hexadecimal digits')


def test_removed_and_narrowed_tokens_are_closed_and_widened_ones_kept():
    before = parse_access_file('anonymous: viewer\ntokens:\n' + entry('gone', 'g', 'operator')
                               + entry('down', 'd', 'operator') + entry('up', 'u', 'viewer')
                               + entry('narrowed', 'n', 'viewer')
                               + entry('same', 's', 'viewer', "    topic_whitelist: ['/a']\n"))
    after = parse_access_file('tokens:\n' + entry('down', 'd', 'viewer')
                              + entry('up', 'u', 'operator')
                              + entry('narrowed', 'n', 'viewer', "    topic_whitelist: ['/a']\n")
                              + entry('renamed', 's', 'viewer', "    topic_whitelist: ['/a']\n"))
    grants = [(1, before.grant_for('g')), (2, before.grant_for('d')), (3, before.grant_for('u')),
              (4, before.grant_for('n')), (5, before.grant_for('s')), (6, before.grant_for(None)),
              (7, OPEN)]
    assert revocations(grants, after) == [
        (1, 'token revoked'), (2, 'rights of token "down" reduced'),
        (4, 'rights of token "narrowed" reduced'),
        (6, 'clients without a token are no longer admitted')]
