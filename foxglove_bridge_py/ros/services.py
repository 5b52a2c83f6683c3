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
ROS service calls made by the bridge: clients' calls and the parameter requests.

One cache of service clients, and one owner of each call's timeout and cancellation: a call
answers its ``on_done`` exactly once, with the response or an error, whatever happens. rclpy
has no type-less service client, so a client's call is decoded into the service's Request class
(CDR or JSON) and its response encoded back. Used on the executor thread, where every answer
comes too; a call never waits on it. The parameter requests the loop awaits are made through
``ros.params.NodeParameters``.
"""

from __future__ import annotations

from typing import Callable, Hashable, Optional

from foxglove_bridge_py.protocol import encode_json, parse_json, ProtocolError
from foxglove_bridge_py.ros.graph import steady_timer
from foxglove_bridge_py.ros.schema import import_message_type
from foxglove_bridge_py.ros_rules.message_json import (JsonConversionError, message_from_json,
                                                       message_to_json)
from rclpy.client import Client
from rclpy.node import Node
from rclpy.serialization import deserialize_message, serialize_message
from rclpy.task import Future
from rclpy.timer import Timer

READY_POLL = 0.02
"""Seconds between two checks that a service a call waits for has appeared."""

Answer = Callable[[object, Optional[str]], None]
"""Receives ``(response, None)`` or ``(None, error text)``, once, on the executor thread (a
response is a generated message: rclpy gives them no type)."""
EncodedAnswer = Callable[[Optional[bytes], Optional[str]], None]
"""Receives ``(serialized response, None)`` or ``(None, error text)`` for a client's call, once,
on the executor thread."""


class ServiceCallError(RuntimeError):
    """A failed or timed-out service call, as an awaiting coroutine gets it; the text says why."""


def _decode_request(srv_type: type, encoding: str, payload: bytes) -> object:
    request_type = getattr(srv_type, 'Request')
    if encoding == 'cdr':
        return deserialize_message(payload, request_type)
    return message_from_json(request_type, parse_json(payload))


def _encoding_answer(name: str, encoding: str, on_done: EncodedAnswer) -> Answer:
    # The response goes back in the request's encoding.
    def answer(response: object, error: Optional[str]) -> None:
        if error is not None:
            return on_done(None, error)
        try:
            on_done(serialize_message(response) if encoding == 'cdr'
                    else encode_json(message_to_json(response)).encode(), None)
        except Exception as exc:  # noqa: B902 - the client must hear of any failure
            on_done(None, f'Service {name} failed: {exc!r}')
    return answer


class _Call:
    """One call in flight: its timers and how it ends."""

    def __init__(self, on_done: Answer) -> None:
        self.on_done = on_done
        self.timers: list[Timer] = []
        self.client: Optional[Client] = None
        self.future: Optional[Future] = None


class ServiceCaller:
    """Calls ROS services; used on the ROS thread."""

    def __init__(self, node: Node) -> None:
        """
        Create the caller.

        :param node: the bridge's node.
        """
        self._node = node
        self._clients: dict[tuple[str, type], Client] = {}
        self._calls: dict[Hashable, _Call] = {}

    def call_encoded(self, key: Hashable, name: str, type_name: str, encoding: str, payload: bytes,
                     timeout: float, on_done: EncodedAnswer) -> None:
        """
        Call a service for a client: the request and the response in ``cdr`` or ``json``.

        A service that is not there fails at once; one that does not answer within
        ``timeout`` fails then, and its late answer is ignored.

        :param key: identifies the call among those in flight.
        :param name: the service.
        :param type_name: its type, e.g. ``std_srvs/srv/SetBool``.
        :param encoding: ``cdr`` or ``json``.
        :param payload: the serialized request.
        :param timeout: seconds to wait for the answer.
        :param on_done: receives the serialized response or the error.
        """
        try:
            srv_type = import_message_type(type_name)
        except ImportError as exc:
            return on_done(None, f'Service type {type_name} is not installed ({exc})')
        if not self._client(name, srv_type).service_is_ready():
            return on_done(None, f'Service {name} is not available')
        try:
            request = _decode_request(srv_type, encoding, payload)
        except (ValueError, ProtocolError, JsonConversionError) as exc:
            return on_done(None, f'Bad request for {name} ({type_name}): {exc}')
        except Exception as exc:  # noqa: B902 - rclpy's deserializer raises various errors
            return on_done(None, f'Bad request for {name} ({type_name}): {exc!r}')

        self.call(key, name, srv_type, request, timeout, _encoding_answer(name, encoding, on_done),
                  timeout_message=f'Service {name} did not answer within '
                                  f'{round(timeout * 1000)} ms')

    def call(self, key: Hashable, name: str, srv_type: type, request: object, timeout: float,
             on_done: Answer, *, wait_for_service: bool = False,
             timeout_message: Optional[str] = None) -> None:
        """
        Call a service with a request object.

        :param key: identifies the call among those in flight.
        :param name: the service.
        :param srv_type: its class.
        :param request: the request.
        :param timeout: seconds for the whole call, waiting for the service included.
        :param on_done: receives the response or the error, once.
        :param wait_for_service: wait (within ``timeout``) for a service not there yet.
        :param timeout_message: the error when time runs out.
        """
        call = self._calls[key] = _Call(on_done)
        client = self._client(name, srv_type)
        call.timers.append(steady_timer(self._node, timeout, lambda: self._finish(
            key, None, timeout_message or f'{name} did not answer within {timeout:g} s')))
        if client.service_is_ready():
            self._send(key, client, request)
        elif wait_for_service:
            def poll() -> None:
                if key in self._calls and client.service_is_ready():
                    self._send(key, client, request)
            call.timers.append(steady_timer(self._node, READY_POLL, poll))
        else:
            self._finish(key, None, f'Service {name} is not available')

    def _send(self, key: Hashable, client: Client, request: object) -> None:
        call = self._calls[key]
        for timer in call.timers[1:]:
            self._node.destroy_timer(timer)
        del call.timers[1:]
        call.client = client
        call.future = client.call_async(request)

        def finished(done: Future) -> None:
            error = done.exception()
            self._finish(key, None if error else done.result(),
                         None if error is None else f'{client.srv_name} failed: {error!r}')

        call.future.add_done_callback(finished)

    def _finish(self, key: Hashable, response: object, error: Optional[str]) -> None:
        call = self._calls.pop(key, None)
        if call is None:
            return  # answered, timed out or cancelled before
        for timer in call.timers:
            self._node.destroy_timer(timer)
        client = call.client
        if error is not None and call.future is not None and client is not None and hasattr(
                client, 'remove_pending_request'):
            try:
                client.remove_pending_request(call.future)
            except Exception:  # noqa: B902 - the client may be destroyed (service gone)
                pass
        call.on_done(response, error)

    def cancel(self, key: Hashable) -> None:
        """
        Drop a call whose answer nobody waits for any more; its ``on_done`` is not called.

        :param key: the key given to the call.
        """
        call = self._calls.get(key)
        if call is not None:
            call.on_done = lambda response, error: None
            self._finish(key, None, 'cancelled')

    def _client(self, name: str, srv_type: type) -> Client:
        client = self._clients.get((name, srv_type))
        if client is None:
            client = self._clients[(name, srv_type)] = self._node.create_client(srv_type, name)
        return client

    def forget(self, names: list[str]) -> None:
        """
        Destroy the clients of services that left the graph.

        :param names: the services.
        """
        gone = set(names)
        for key in [k for k in self._clients if k[0] in gone]:
            self._node.destroy_client(self._clients.pop(key))

    def destroy(self) -> None:
        """Drop every call in flight and destroy every client."""
        for key in list(self._calls):
            self.cancel(key)
        for key in list(self._clients):
            self._node.destroy_client(self._clients.pop(key))
