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
Service calls on behalf of clients: CDR or JSON in, the same encoding out.

rclpy has no type-less service client, so each call is decoded into the service's Request
class, sent with ``call_async`` (never waiting on the executor thread), and the response is
encoded back when it arrives.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from foxglove_bridge_py.protocol import encode_json, parse_json, ProtocolError
from foxglove_bridge_py.ros_json import JsonConversionError, message_from_json, message_to_json
from foxglove_bridge_py.ros_topics import import_message_type
from rclpy.node import Node
from rclpy.serialization import deserialize_message, serialize_message

CallDone = Callable[[Optional[bytes], Optional[str]], None]
"""Receives ``(payload, None)`` on success or ``(None, error)``, on the ROS thread."""


class ServiceCaller:
    """Calls ROS services for clients; used on the ROS thread."""

    def __init__(self, node: Node) -> None:
        """
        Create the caller.

        :param node: the bridge's node.
        """
        self._node = node
        self._clients: dict[tuple[str, str], Any] = {}
        self._pending: dict[Any, tuple[Any, Any]] = {}

    def call(self, key: Any, name: str, type_name: str, encoding: str, payload: bytes,
             on_done: CallDone) -> None:
        """
        Start a call; ``on_done`` is called exactly once unless :meth:`cancel` comes first.

        :param key: identifies the call for :meth:`cancel`.
        :param name: the service.
        :param type_name: its type, e.g. ``std_srvs/srv/SetBool``.
        :param encoding: ``cdr`` or ``json``, for the request and the response.
        :param payload: the serialized request.
        :param on_done: receives the serialized response or the error.
        """
        try:
            srv_type = import_message_type(type_name)
        except ImportError as exc:
            return on_done(None, f'Service type {type_name} is not installed ({exc})')
        client = self._clients.get((name, type_name))
        if client is None:
            client = self._clients[(name, type_name)] = self._node.create_client(srv_type, name)
        if not client.service_is_ready():
            return on_done(None, f'Service {name} is not available')
        try:
            if encoding == 'cdr':
                request = deserialize_message(payload, srv_type.Request)
            else:
                request = message_from_json(srv_type.Request, parse_json(payload))
        except (ValueError, ProtocolError, JsonConversionError) as exc:
            return on_done(None, f'Bad request for {name} ({type_name}): {exc}')
        except Exception as exc:  # noqa: B902 - rclpy's deserializer raises various errors
            return on_done(None, f'Bad request for {name} ({type_name}): {exc!r}')
        future = client.call_async(request)
        self._pending[key] = (client, future)

        def finished(done: Any) -> None:
            if self._pending.pop(key, None) is None:
                return
            try:
                response = done.result()
                if encoding == 'cdr':
                    on_done(serialize_message(response), None)
                else:
                    on_done(encode_json(message_to_json(response)).encode(), None)
            except Exception as exc:  # noqa: B902 - the client must hear of any failure
                on_done(None, f'Service {name} failed: {exc!r}')

        future.add_done_callback(finished)

    def cancel(self, key: Any) -> None:
        """
        Forget a call that took too long, so that its late response is ignored.

        :param key: the key given to :meth:`call`.
        """
        entry = self._pending.pop(key, None)
        if entry is not None:
            client, future = entry
            if hasattr(client, 'remove_pending_request'):
                client.remove_pending_request(future)

    def forget(self, name: str) -> None:
        """
        Destroy the clients of a service that left the graph.

        :param name: the service.
        """
        for key in [k for k in self._clients if k[0] == name]:
            self._node.destroy_client(self._clients.pop(key))

    def destroy(self) -> None:
        """Destroy every client."""
        for key in list(self._clients):
            self._node.destroy_client(self._clients.pop(key))
