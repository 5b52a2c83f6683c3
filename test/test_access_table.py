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

"""The access file read into a table: roles, digests, whitelists, each mistake by line (pure)."""

import hashlib
import os

from foxglove_bridge_py.access.grant import Role
from foxglove_bridge_py.access.table import (AccessFileError, load_access_file,
                                             parse_access_file)
import pytest


def sha(token):
    return hashlib.sha256(token.encode()).hexdigest()


GOOD = f"""\
anonymous: viewer
tokens:
  - name: field-laptop
    sha256: {sha('op-secret')}
    role: operator
  - name: lobby dashboard
    sha256: {sha('view-secret').upper()}
    role: viewer
    topic_whitelist: ['/camera/.*', '/odom']
    param_whitelist: ['/robot[.].*']
"""


def test_a_token_finds_its_grant_and_a_wrong_one_none():
    table = parse_access_file(GOOD)
    operator = table.grant_for('op-secret')
    assert (operator.name, operator.role, operator.digest) == (
        'field-laptop', Role.OPERATOR, hashlib.sha256(b'op-secret').digest())
    assert operator.topic_whitelist is None and not operator.narrows_topics
    viewer = table.grant_for('view-secret')
    assert (viewer.name, viewer.role) == ('lobby dashboard', Role.VIEWER)
    assert [p.pattern for p in viewer.topic_whitelist] == ['/camera/.*', '/odom']
    assert viewer.sees_topic('/CAMERA/image') and not viewer.sees_topic('/tf')
    assert viewer.sees_parameter('/robot.speed') and not viewer.sees_parameter('/arm.speed')
    assert table.grant_for('op-secret ') is None
    assert table.grant_for('') is None
    anonymous = table.grant_for(None)
    assert (anonymous.name, anonymous.role, anonymous.digest) == (None, Role.VIEWER, None)
    assert table.find(operator.digest) == operator
    assert table.find(None) == anonymous
    assert table.find(hashlib.sha256(b'x').digest()) is None


def test_anonymous_defaults_to_refused_and_an_empty_file_refuses_everyone():
    table = parse_access_file(f'tokens:\n  - name: a\n    sha256: {sha("t")}\n    role: viewer\n')
    assert table.anonymous == Role.NONE and table.grant_for(None) is None
    assert parse_access_file('').grants == ()
    assert parse_access_file('').grant_for(None) is None
    assert parse_access_file('anonymous: operator\ntokens:\n').grant_for(None).role == (
        Role.OPERATOR)


def test_a_plain_token_is_hashed_in_a_private_file_and_refused_in_a_world_readable_one():
    text = 'tokens:\n  - name: dev\n    token: plain-secret\n    role: operator\n'
    assert parse_access_file(text).grant_for('plain-secret').name == 'dev'
    with pytest.raises(AccessFileError) as refused:
        parse_access_file(text, world_readable=True)
    assert str(refused.value) == (
        'line 3: "dev" has a plain "token:" in a file that every user of this machine can read: '
        'give its "sha256:" instead (make_token prints it), or make the file private (chmod 600)')


@pytest.mark.parametrize('text, message', [
    ('anonymous: admin\n', 'line 1: role "admin" is not one of none, viewer, operator'),
    ('anonymus: viewer\n', 'line 1: unknown key "anonymus" in the file (known: anonymous, '
     'tokens)'),
    ('tokens:\n  - name: a\n    sha256: abc\n    role: viewer\n',
     'line 3: sha256 of "a" must be 64 hexadecimal digits'),
    (f'tokens:\n  - name: a\n    sha256: {sha("t")}\n    role: none\n',
     'line 4: role "none" is not one of viewer, operator'),
    (f'tokens:\n  - name: a\n    sha256: {sha("t")}\n',
     'line 2: a token entry needs "role"'),
    ('tokens:\n  - name: a\n    role: viewer\n',
     'line 2: token entry "a" needs exactly one of "sha256" (the hex SHA-256 of its token) and '
     '"token"'),
    (f'tokens:\n  - name: a\n    sha256: {sha("t")}\n    role: viewer\n    topic_whitelst: []\n',
     'line 5: unknown key "topic_whitelst" in a token entry (known: name, sha256, token, role, '
     'topic_whitelist, client_topic_whitelist, service_whitelist, param_whitelist, robots)'),
    (f'tokens:\n  - name: a\n    sha256: {sha("t")}\n    role: viewer\n'
     f'    topic_whitelist: ["/ok", "(unclosed"]\n',
     "line 5: topic_whitelist: invalid regular expression '(unclosed': missing ), unterminated "
     'subpattern at position 0'),
    (f'tokens:\n  - name: a\n    sha256: {sha("t")}\n    role: viewer\n'
     f'  - name: b\n    sha256: {sha("t")}\n    role: operator\n',
     'line 5: "b" has the same token as "a"'),
    (f'tokens:\n  - name: a\n    sha256: {sha("t")}\n    role: viewer\n'
     f'  - name: a\n    sha256: {sha("u")}\n    role: operator\n',
     'line 5: "a" has the same name as "a"'),
    ('tokens:\n  - name: "a\\"b"\n    token: x\n    role: viewer\n',
     'line 2: name \'a"b\': start with a letter or digit; then letters, digits, spaces and . @ '
     '+ - _ (at most 64)'),
    ('tokens: [\n', 'line 2: not valid YAML: expected the node content, but found '
     "'<stream end>'"),
    ('tokens: everyone\n', 'line 1: tokens must be a list of entries (- name: ..., sha256: ..., '
     'role: ...)'),
])
def test_every_mistake_names_its_line(text, message):
    with pytest.raises(AccessFileError) as refused:
        parse_access_file(text)
    assert str(refused.value) == message


def test_loading_names_the_file_and_checks_who_can_read_it(tmp_path):
    missing = tmp_path / 'nope.yaml'
    with pytest.raises(AccessFileError) as refused:
        load_access_file(str(missing))
    assert str(refused.value) == (f"access file '{missing}': cannot read it: No such file or "
                                  'directory')
    path = tmp_path / 'access.yaml'
    path.write_text('tokens:\n  - name: dev\n    token: plain\n    role: viewer\n')
    os.chmod(path, 0o600)
    assert load_access_file(str(path)).grant_for('plain').name == 'dev'
    os.chmod(path, 0o644)
    with pytest.raises(AccessFileError) as refused:
        load_access_file(str(path))
    assert str(refused.value).startswith(f"access file '{path}': line 3: \"dev\" has a plain")
