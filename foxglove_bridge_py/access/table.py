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
The access file: who holds which token, read from YAML into an :class:`AccessTable`.

The file holds no secret, only each token's SHA-256, so that it can be read by the bridge's user,
kept in a repository or copied to a robot without handing out access. Every mistake is reported
with its line, because the file is read again while the bridge runs and a bad edit must be
found without a restart. Pure but for :func:`load_access_file`, which reads the file.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import hmac
import os
import re
import stat
from typing import Optional

from foxglove_bridge_py.access.grant import Grant, Role
import yaml

NAME = re.compile(r'\w(?:[\w .@+-]{0,62}[\w.@+-])?')
"""A token's name: shown in logs, /status and refusals, so printable and without quotes."""
SHA256_HEX = re.compile(r'[0-9a-fA-F]{64}')
WHITELISTS = ('topic_whitelist', 'client_topic_whitelist', 'service_whitelist',
              'param_whitelist')
ENTRY_KEYS = ('name', 'sha256', 'token', 'role', *WHITELISTS, 'robots')
"""``robots`` is read by the relay alone: the robots (by ``relay_name``) a token may reach."""
TOP_KEYS = ('anonymous', 'tokens')


class AccessFileError(ValueError):
    """An access file the bridge cannot use; the text names the file and, where known, the line."""


@dataclass(frozen=True)
class AccessTable:
    """The tokens of one version of the access file, and the role of a client without one."""

    anonymous: Role = Role.NONE
    grants: tuple[Grant, ...] = ()

    def grant_for(self, token: Optional[str]) -> Optional[Grant]:
        """
        Find a client's grant from the token it presented.

        Every entry is compared, in constant time, whatever matches: how long an answer takes
        tells nothing of which digest is near a match.

        :param token: the token, or None if the client presented none.
        :return: the grant, or None for a wrong token (or no token where ``anonymous: none``).
        """
        if token is None:
            return self.anonymous_grant()
        digest = hashlib.sha256(token.encode()).digest()
        found = None
        for grant in self.grants:
            if grant.digest is not None and hmac.compare_digest(grant.digest, digest):
                found = grant
        return found

    def anonymous_grant(self) -> Optional[Grant]:
        """
        Give the grant of a client that presents no token.

        :return: a grant with the ``anonymous`` role, or None where that is ``none``.
        """
        return None if self.anonymous == Role.NONE else Grant(self.anonymous)

    def find(self, digest: Optional[bytes]) -> Optional[Grant]:
        """
        Find the grant of a token again, after the file changed.

        :param digest: the token's SHA-256; None for a client without a token.
        :return: its grant in this table, or None if it is gone.
        """
        if digest is None:
            return self.anonymous_grant()
        for grant in self.grants:
            if grant.digest is not None and hmac.compare_digest(grant.digest, digest):
                return grant
        return None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _fail(node: yaml.Node, message: str) -> AccessFileError:
    return AccessFileError(f'line {_line(node)}: {message}')


def _scalar(node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(node, f'{what} must be a single value')
    return node.value


def _mapping(node: yaml.Node, what: str, keys: tuple[str, ...]) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(node, f'{what} must be a mapping of {", ".join(keys)}')
    found: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, 'a key')
        if key not in keys:
            raise _fail(key_node, f'unknown key "{key}" in {what} (known: {", ".join(keys)})')
        if key in found:
            raise _fail(key_node, f'"{key}" given twice in {what}')
        found[key] = value_node
    return found


def _role(node: yaml.Node, allowed: tuple[Role, ...]) -> Role:
    value = _scalar(node, 'a role')
    for role in allowed:
        if value == role.label:
            return role
    raise _fail(node, f'role "{value}" is not one of {", ".join(r.label for r in allowed)}')


def _patterns(node: yaml.Node, key: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(node, f'{key} must be a list of regular expressions')
    compiled = []
    for item in node.value:
        pattern = _scalar(item, f'an entry of {key}')
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise _fail(item, f'{key}: invalid regular expression {pattern!r}: {exc}') from None
    return tuple(compiled)


def _entry(node: yaml.Node, world_readable: bool) -> Grant:
    fields = _mapping(node, 'a token entry', ENTRY_KEYS)
    for key in ('name', 'role'):
        if key not in fields:
            raise _fail(node, f'a token entry needs "{key}"')
    name = _scalar(fields['name'], 'name')
    if not NAME.fullmatch(name):
        raise _fail(fields['name'], f'name {name!r}: start with a letter or digit; then letters, '
                    'digits, spaces and . @ + - _ (at most 64)')
    if ('sha256' in fields) == ('token' in fields):
        raise _fail(node, f'token entry "{name}" needs exactly one of "sha256" (the hex SHA-256 '
                    'of its token) and "token"')
    if 'sha256' in fields:
        hex_digest = _scalar(fields['sha256'], 'sha256')
        if not SHA256_HEX.fullmatch(hex_digest):
            raise _fail(fields['sha256'], f'sha256 of "{name}" must be 64 hexadecimal digits')
        digest = bytes.fromhex(hex_digest)
    else:
        if world_readable:
            raise _fail(fields['token'], f'"{name}" has a plain "token:" in a file that every '
                        'user of this machine can read: give its "sha256:" instead (make_token '
                        'prints it), or make the file private (chmod 600)')
        digest = hashlib.sha256(_scalar(fields['token'], 'token').encode()).digest()
    lists = {key: _patterns(fields[key], key) if key in fields else None
             for key in (*WHITELISTS, 'robots')}
    return Grant(_role(fields['role'], (Role.VIEWER, Role.OPERATOR)), name=name, digest=digest,
                 topic_whitelist=lists['topic_whitelist'],
                 client_topic_whitelist=lists['client_topic_whitelist'],
                 service_whitelist=lists['service_whitelist'],
                 param_whitelist=lists['param_whitelist'], robots=lists['robots'])


def parse_access_file(text: str, *, world_readable: bool = False) -> AccessTable:
    """
    Read an access file's text.

    :param text: the YAML.
    :param world_readable: whether every user can read the file: then plain tokens are refused.
    :return: the table.
    :raises AccessFileError: naming the line of the first mistake.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = f'line {mark.line + 1}: ' if mark is not None else ''
        problem = getattr(exc, 'problem', None) or str(exc)
        raise AccessFileError(f'{where}not valid YAML: {problem}') from None
    if root is None:
        return AccessTable()
    fields = _mapping(root, 'the file', TOP_KEYS)
    anonymous = (_role(fields['anonymous'], tuple(Role)) if 'anonymous' in fields
                 else Role.NONE)
    grants: list[Grant] = []
    tokens = fields.get('tokens')
    if tokens is not None and not (isinstance(tokens, yaml.ScalarNode) and tokens.value == ''):
        if not isinstance(tokens, yaml.SequenceNode):
            raise _fail(tokens, 'tokens must be a list of entries (- name: ..., sha256: ..., '
                        'role: ...)')
        seen: dict[object, str] = {}
        for item in tokens.value:
            grant = _entry(item, world_readable)
            for key, what in ((grant.name, 'name'), (grant.digest, 'token')):
                if key in seen:
                    raise _fail(item, f'"{grant.name}" has the same {what} as "{seen[key]}"')
                seen[key] = str(grant.name)
            grants.append(grant)
    return AccessTable(anonymous, tuple(grants))


def file_version(path: str) -> tuple[int, int, int]:
    """
    Tell one version of a file from another without reading it.

    :param path: the file.
    :return: its inode, size and modification time in nanoseconds.
    :raises OSError: if it cannot be looked at.
    """
    info = os.stat(path)
    return info.st_ino, info.st_size, info.st_mtime_ns


def load_access_file(path: str) -> AccessTable:
    """
    Read and check an access file.

    :param path: the file.
    :return: the table.
    :raises AccessFileError: naming the file, and the line of the first mistake.
    """
    try:
        with open(path, encoding='utf-8') as stream:
            world_readable = bool(os.fstat(stream.fileno()).st_mode & stat.S_IROTH)
            text = stream.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else 'not UTF-8 text'
        raise AccessFileError(f'access file {path!r}: cannot read it: {reason}') from None
    try:
        return parse_access_file(text, world_readable=world_readable)
    except AccessFileError as exc:
        raise AccessFileError(f'access file {path!r}: {exc}') from None
