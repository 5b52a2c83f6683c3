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
Serving ``fetchAsset`` requests on the loop: the file read, one client at a time.

Each client's requests are read one after another, and only while its replies take less than
half their budget: a client that asks for many large assets and reads none holds one in memory,
not all of them. File reads block, so they run on the loop's worker threads; which files a URI
may name is ``ros_rules.asset_files``'s rule, and where a package is installed the wiring tells
(ament's index).
"""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Awaitable, Callable, Mapping

from foxglove_bridge_py.capabilities.assets import Assets, ReadAsset
from foxglove_bridge_py.core.client_session import ClientSession
from foxglove_bridge_py.ros_rules import asset_files as assets
from foxglove_bridge_py.ros_rules.asset_files import PackageShare

ROOM_POLL = 1.0
"""Seconds between checks that a client waiting for room for an asset is still there."""


class AssetReader:
    """Reads the assets clients ask for and answers through the assets capability."""

    def __init__(self, sessions: Mapping[int, ClientSession], answers: Assets,
                 allowlist: tuple[re.Pattern[str], ...],
                 run_blocking: Callable[[Callable[[], bytes]], Awaitable[bytes]],
                 package_share: PackageShare) -> None:
        """
        Serve assets.

        :param sessions: the hub's clients by id.
        :param answers: the capability that answers each request.
        :param allowlist: ``asset_uri_allowlist``, compiled.
        :param run_blocking: runs a blocking function off the loop.
        :param package_share: finds an installed package's share directory, for
            ``package://`` URIs (ament's ``get_package_share_directory``).
        """
        self._sessions = sessions
        self._answers = answers
        self._allowlist = allowlist
        self._run_blocking = run_blocking
        self._package_share = package_share
        self._per_client: dict[int, list] = {}

    async def serve(self, effect: ReadAsset) -> None:
        """
        Read one requested asset and answer, after this client's earlier requests.

        :param effect: the request.
        """
        entry = self._per_client.setdefault(effect.client_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                if await self._room_for(effect.client_id):
                    await self._read(effect)
                else:
                    self._answers.done(effect.client_id, effect.request_id,
                                       error='Client left or stopped reading')
        finally:
            entry[1] -= 1
            if not entry[1]:
                self._per_client.pop(effect.client_id, None)

    async def _room_for(self, client_id: int) -> bool:
        session = self._sessions.get(client_id)
        if session is None:
            return False
        room: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def make_room() -> None:
            if not room.done():
                room.set_result(True)

        session.send_queue.when_control_room(make_room)
        while not room.done():
            if self._sessions.get(client_id) is not session or session.send_queue.overflowed:
                return False
            await asyncio.wait([room], timeout=ROOM_POLL)
        return True

    async def _read(self, effect: ReadAsset) -> None:
        try:
            data = await self._run_blocking(functools.partial(
                assets.read, effect.uri, self._allowlist, self._package_share))
        except assets.AssetError as exc:
            self._answers.done(effect.client_id, effect.request_id, error=str(exc))
        except Exception as exc:  # noqa: B902 - the client must get an answer whatever happened
            self._answers.done(effect.client_id, effect.request_id,
                               error=f'Asset {effect.uri!r} cannot be read: {exc!r}')
        else:
            self._answers.done(effect.client_id, effect.request_id, data=data)
