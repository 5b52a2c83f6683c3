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
Revocation without a restart: the access file read again when it changes.

The file is looked at about once a second (a ``stat``, no read unless it changed). A new
version that parses replaces the table for new connections, and the clients whose token it
removed or narrowed are named, to be closed with 1008; a version that does not parse leaves the
table as it was and is reported once, with its line. A client whose rights grew keeps what it
connected with until it reconnects.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from foxglove_bridge_py.access.grant import Grant, OPEN
from foxglove_bridge_py.access.table import (AccessFileError, AccessTable, file_version,
                                             load_access_file)

CHECK_INTERVAL = 1.0
"""Seconds between two looks at the access file."""


class AccessFile:
    """One access file, and the version of it in force."""

    def __init__(self, path: str) -> None:
        """
        Read the file as it is at start-up.

        :param path: the file.
        :raises AccessFileError: if it is missing, unreadable or invalid.
        """
        self.path = path
        self._version = self._look()
        self.table = load_access_file(path)

    def _look(self) -> Optional[tuple[int, int, int]]:
        try:
            return file_version(self.path)
        except OSError:
            return None

    def poll(self, on_error: Callable[[str], None]) -> Optional[AccessTable]:
        """
        Read the file again if it changed since the last look.

        :param on_error: told, once per bad version, why the new version is not used.
        :return: the new table, or None if nothing changed or the new version is bad.
        """
        version = self._look()
        if version == self._version:
            return None
        self._version = version
        try:
            table = load_access_file(self.path)
        except AccessFileError as exc:
            on_error(f'{exc}; keeping the tokens read before')
            return None
        self.table = table
        return table


def revocations(grants: Iterable[tuple[int, Grant]], table: AccessTable
                ) -> list[tuple[int, str]]:
    """
    Name the clients a new table takes rights from, and why.

    :param grants: each connected client's id and the grant it connected with.
    :param table: the table now in force.
    :return: ``(client id, reason)`` for each client to close.
    """
    closing = []
    for client_id, grant in grants:
        if grant is OPEN:
            continue
        now = table.find(grant.digest)
        if now is None:
            reason = ('token revoked' if grant.digest is not None
                      else 'clients without a token are no longer admitted')
        elif now.narrower_than(grant):
            reason = f'rights of {grant.who} reduced'
        else:
            continue
        closing.append((client_id, reason))
    return closing
