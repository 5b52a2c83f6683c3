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
HTTP before the handshake: headers as websockets hands them to the pure answers, and plain GETs.

``REQUEST_HEADERS`` and ``ALLOWED`` feed ``server.http_answers`` with no socket; ``http_get``
and ``UPGRADE_HEADERS`` ask a running bridge over a real one.
"""

import http.client
import re

from bridge_harness import TIMEOUT


class Headers(dict):
    """Request headers as websockets hands them over: ``get`` and ``get_all``."""

    def get_all(self, name):
        return [self[name]] if name in self else []


REQUEST_HEADERS = Headers({'Sec-WebSocket-Protocol': 'foxglove.websocket.v1'})
"""A handshake's headers as the pure answers see them: a Foxglove subprotocol, nothing else."""
ALLOWED = (re.compile('https://app\\.foxglove\\.dev'),)
"""An ``allowed_origins`` list of one pattern."""
UPGRADE_HEADERS = {'Connection': 'Upgrade', 'Upgrade': 'websocket',
                   'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
                   'Sec-WebSocket-Protocol': 'foxglove.sdk.v1'}
"""A whole WebSocket upgrade request's headers, for ``http_get`` to send as a handshake."""


def http_get(port, path, headers=None, source='127.0.0.1'):
    """GET a path as a plain HTTP client (a handshake if the headers ask for one)."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=TIMEOUT,
                                            source_address=(source, 0))
    try:
        connection.request('GET', path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
