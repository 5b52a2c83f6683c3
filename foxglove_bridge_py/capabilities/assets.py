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
Assets: files the app asks for by URI (meshes, textures of a robot description).

Requests wait here as :class:`ReadAsset` effects, at most :data:`MAX_REQUESTS_PER_CLIENT` per
client; the bridge reads them and answers with :meth:`Assets.done`, outside the client's control
budget so that a reply it asked for never gets it closed.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import Mapping, Optional

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import ClientSession, Effect
from foxglove_bridge_py.core.ops import CapabilityModule, route, TextOp
from foxglove_bridge_py.protocol import JsonObject, ServerBinaryOpcode

MAX_REQUESTS_PER_CLIENT = 1024
"""Asset requests one client may have waiting (the app asks for every mesh of a robot at
once); more are refused at once. A waiting request holds no file data."""
FETCH_ASSET_HEADER = struct.Struct('<BIBI')
"""FetchAssetResponse: opcode, request id, status (0 ok, 1 error), error length; the error
text or the asset follows."""


# --- the op and the answer ----------------------------------------------------------------------

@dataclass(frozen=True)
class FetchAsset:
    """The ``fetchAsset`` op."""

    uri: str
    request_id: int


def _decode_fetch(message: JsonObject) -> FetchAsset:
    return FetchAsset(
        protocol.string(protocol.field(message, 'uri', 'fetchAsset'), 'fetchAsset.uri'),
        protocol.u32(protocol.field(message, 'requestId', 'fetchAsset'), 'fetchAsset.requestId'))


FETCH = TextOp('fetchAsset', _decode_fetch, protocol.Capability.ASSETS.value)


def fetch_asset_response(request_id: int, *, data: bytes = b'', error: Optional[str] = None
                         ) -> bytes:
    """
    Encode a FetchAssetResponse frame: the asset, or an error text.

    :param request_id: the request being answered.
    :param data: the asset's bytes, on success.
    :param error: the reason, on failure.
    :return: the frame.
    """
    if error is None:
        return FETCH_ASSET_HEADER.pack(ServerBinaryOpcode.FETCH_ASSET_RESPONSE, request_id,
                                       0, 0) + data
    err = error.encode()
    return FETCH_ASSET_HEADER.pack(ServerBinaryOpcode.FETCH_ASSET_RESPONSE, request_id,
                                   1, len(err)) + err


# --- the effect and the capability --------------------------------------------------------------


@dataclass(frozen=True)
class ReadAsset(Effect):
    """Effect: read an asset and answer with :meth:`Assets.done`."""

    client_id: int
    uri: str
    request_id: int


class Assets(CapabilityModule):
    """The asset requests each client has waiting."""

    def __init__(self, sessions: Mapping[int, ClientSession]) -> None:
        """
        Serve asset requests.

        :param sessions: the hub's clients by id.
        """
        self._sessions = sessions
        self._waiting: dict[int, int] = {}
        self.routes = (route(FETCH, self._on_fetch),)

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Forget a leaving client's requests.

        :param session: the client.
        :return: no effects.
        """
        self._waiting.pop(session.client_id, None)
        return []

    def done(self, client_id: int, request_id: int, data: bytes = b'',
             error: Optional[str] = None) -> None:
        """
        Answer a ``fetchAsset`` with a FetchAssetResponse: the bytes, or the error.

        :param client_id: the client.
        :param request_id: the request answered.
        :param data: the asset, on success.
        :param error: why it failed.
        """
        session = self._sessions.get(client_id)
        if session is None:
            return
        self._waiting[client_id] = max(0, self._waiting.get(client_id, 0) - 1)
        session.send_queue.put_reply(fetch_asset_response(request_id, data=data, error=error))

    def _on_fetch(self, session: ClientSession, message: FetchAsset) -> list[Effect]:
        waiting = self._waiting.get(session.client_id, 0)
        if waiting >= MAX_REQUESTS_PER_CLIENT:
            session.send_queue.put_control(fetch_asset_response(
                message.request_id, error=f'Too many requests: {MAX_REQUESTS_PER_CLIENT} asset '
                'requests are already waiting'))
            return []
        self._waiting[session.client_id] = waiting + 1
        return [ReadAsset(session.client_id, message.uri, message.request_id)]
