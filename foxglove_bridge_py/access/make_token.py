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
``ros2 run foxglove_bridge_py make_token NAME ROLE``: a fresh token, and its access-file entry.

The token is printed once and kept nowhere: the entry holds only its SHA-256, so the access file
can be read by anyone without handing out access.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import sys
from typing import Optional

from foxglove_bridge_py.access.table import NAME

TOKEN_BYTES = 32
"""Random bytes of a token: 256 bits, beyond any guessing through the failure limit."""


def make_entry(name: str, role: str, token: str) -> str:
    """
    Write the access-file entry of a token.

    :param name: the token's name.
    :param role: ``viewer`` or ``operator``.
    :param token: the token.
    :return: the YAML lines, indented to go under ``tokens:``.
    """
    digest = hashlib.sha256(token.encode()).hexdigest()
    return f'  - name: {name}\n    sha256: {digest}\n    role: {role}\n'


def main(argv: Optional[list[str]] = None) -> int:
    """
    Print a new token and its entry.

    :param argv: the arguments (``sys.argv[1:]`` if None).
    :return: the exit status.
    """
    parser = argparse.ArgumentParser(
        prog='make_token', description='Print a fresh access token (once) and the entry to '
        'paste under "tokens:" in the bridge\'s access_file.')
    parser.add_argument('name', help='a name for the token, shown in logs and /status')
    parser.add_argument('role', choices=('viewer', 'operator'))
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not NAME.fullmatch(args.name):
        parser.error(f'name {args.name!r}: start with a letter or digit; then letters, digits, '
                     'spaces and . @ + - _ (at most 64)')
    token = secrets.token_urlsafe(TOKEN_BYTES)
    print(f'Token for "{args.name}" (shown only now; keep it like a password):\n\n  {token}\n')
    print(f'Connect with ws://<robot>:8765/?token={token}\n'
          f'or send the header "Authorization: Bearer {token}".\n')
    print('Add this entry under "tokens:" in the access file:\n')
    print(make_entry(args.name, args.role, token), end='')
    return 0


if __name__ == '__main__':
    sys.exit(main())
