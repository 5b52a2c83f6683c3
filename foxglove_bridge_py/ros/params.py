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
Other nodes' parameters, through their ``rcl_interfaces`` services and ``/parameter_events``.

A parameter is named ``/node.param`` (split at the first dot). Values map to the protocol as
the C++ bridge maps them: doubles carry ``float64``, double arrays ``float64_array``, byte
arrays are base64 with ``byte_array``. The requests are coroutines that await an injected
``call`` (which the bridge carries to the ROS thread), so several nodes are asked at once and
an unresponsive node costs only its own timeout.
"""

from __future__ import annotations

import asyncio
import re
from typing import Awaitable, Callable, cast, Iterable, Optional, Sequence, TypeGuard, Union

from foxglove_bridge_py.capabilities.parameters import GetParams, Parameter, Parameters, SetParams
from foxglove_bridge_py.config import matches_any
from rcl_interfaces.msg import Parameter as RosParameter
from rcl_interfaces.msg import ParameterEvent, ParameterType, ParameterValue
from rcl_interfaces.srv import GetParameters, ListParameters, SetParameters

ServiceCall = Callable[[str, type, object, float], Awaitable[object]]
"""``call(service_name, service_type, request, timeout)`` returns the response or raises."""


class ParameterError(ValueError):
    """A value that cannot be a ROS parameter, or a node that refused a change."""


def split_name(full_name: str) -> tuple[str, str]:
    """
    Split ``/node.param`` into the node's name and the parameter's.

    :param full_name: the protocol's parameter name.
    :return: ``(node, parameter)``.
    :raises ParameterError: if there is no dot after the node name.
    """
    node, dot, name = full_name.partition('.')
    if not dot or not node or not name:
        raise ParameterError(f'{full_name!r} is not a parameter name of the form /node.param')
    return node, name


def to_protocol(full_name: str, value: ParameterValue) -> Parameter:
    """
    Turn a ROS parameter value into the protocol's form.

    :param full_name: ``/node.param``.
    :param value: the ROS value.
    :return: the protocol parameter; ``value`` None when not set.
    """
    kind = value.type
    if kind == ParameterType.PARAMETER_BOOL:
        return Parameter(full_name, value.bool_value)
    if kind == ParameterType.PARAMETER_INTEGER:
        return Parameter(full_name, value.integer_value)
    if kind == ParameterType.PARAMETER_DOUBLE:
        return Parameter(full_name, value.double_value, 'float64')
    if kind == ParameterType.PARAMETER_STRING:
        return Parameter(full_name, value.string_value)
    if kind == ParameterType.PARAMETER_BYTE_ARRAY:
        return Parameter(full_name, b''.join(value.byte_array_value), 'byte_array')
    if kind == ParameterType.PARAMETER_BOOL_ARRAY:
        return Parameter(full_name, [bool(v) for v in value.bool_array_value])
    if kind == ParameterType.PARAMETER_INTEGER_ARRAY:
        return Parameter(full_name, [int(v) for v in value.integer_array_value])
    if kind == ParameterType.PARAMETER_DOUBLE_ARRAY:
        return Parameter(full_name, [float(v) for v in value.double_array_value],
                         'float64_array')
    if kind == ParameterType.PARAMETER_STRING_ARRAY:
        return Parameter(full_name, list(value.string_array_value))
    return Parameter(full_name)


ARRAY_TYPES = (ParameterType.PARAMETER_BOOL_ARRAY, ParameterType.PARAMETER_INTEGER_ARRAY,
               ParameterType.PARAMETER_DOUBLE_ARRAY, ParameterType.PARAMETER_STRING_ARRAY,
               ParameterType.PARAMETER_BYTE_ARRAY)


def _is_number(value: object) -> TypeGuard[Union[int, float]]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _byte_values(value: object) -> list[int]:
    # A byte_array as a client sets it: bytes, or a list of small integers.
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    if isinstance(value, (list, tuple)) and all(isinstance(b, int) for b in value):
        return [int(b) for b in value]
    raise ParameterError(f'a byte_array must be bytes or a list of integers, got {value!r:.40}')


def from_protocol(parameter: Parameter, current_type: int = ParameterType.PARAMETER_NOT_SET
                  ) -> ParameterValue:
    """
    Turn a protocol value into a ROS parameter value.

    Whole numbers become doubles when hinted ``float64`` or when the parameter is a double
    now, so that typing ``2`` into a double parameter does not change its type.

    :param parameter: the protocol parameter; ``value`` None unsets it.
    :param current_type: the parameter's ROS type now, if known.
    :return: the ROS value.
    :raises ParameterError: for values ROS parameters cannot hold (objects, mixed arrays).
    """
    value, hint = parameter.value, parameter.type
    result = ParameterValue()
    if value is None:
        result.type = ParameterType.PARAMETER_NOT_SET
    elif hint == 'byte_array' or isinstance(value, (bytes, bytearray)):
        result.type = ParameterType.PARAMETER_BYTE_ARRAY
        result.byte_array_value = [bytes([b]) for b in _byte_values(value)]
    elif isinstance(value, bool):
        result.type, result.bool_value = ParameterType.PARAMETER_BOOL, value
    elif _is_number(value):
        if hint == 'float64' or isinstance(value, float) or (
                current_type == ParameterType.PARAMETER_DOUBLE):
            result.type, result.double_value = ParameterType.PARAMETER_DOUBLE, float(value)
        else:
            result.type, result.integer_value = ParameterType.PARAMETER_INTEGER, value
    elif isinstance(value, str):
        result.type, result.string_value = ParameterType.PARAMETER_STRING, value
    elif isinstance(value, list):
        _array(result, value, hint, current_type, parameter.name)
    else:
        raise ParameterError(f'{parameter.name}: a {type(value).__name__} cannot be a ROS '
                             'parameter value')
    return result


def _array(result: ParameterValue, value: list, hint: Optional[str], current_type: int,
           name: str) -> None:
    if not value:
        kind = current_type if current_type in ARRAY_TYPES else (
            ParameterType.PARAMETER_DOUBLE_ARRAY if hint == 'float64_array'
            else ParameterType.PARAMETER_STRING_ARRAY)
    elif all(isinstance(v, bool) for v in value):
        kind = ParameterType.PARAMETER_BOOL_ARRAY
    elif all(_is_number(v) for v in value):
        doubles = (hint == 'float64_array' or any(isinstance(v, float) for v in value)
                   or current_type == ParameterType.PARAMETER_DOUBLE_ARRAY)
        kind = (ParameterType.PARAMETER_DOUBLE_ARRAY if doubles
                else ParameterType.PARAMETER_INTEGER_ARRAY)
    elif all(isinstance(v, str) for v in value):
        kind = ParameterType.PARAMETER_STRING_ARRAY
    else:
        raise ParameterError(f'{name}: an array of mixed types cannot be a ROS parameter value')
    result.type = kind
    if kind == ParameterType.PARAMETER_BOOL_ARRAY:
        result.bool_array_value = value
    elif kind == ParameterType.PARAMETER_INTEGER_ARRAY:
        result.integer_array_value = value
    elif kind == ParameterType.PARAMETER_DOUBLE_ARRAY:
        result.double_array_value = [float(v) for v in value]
    elif kind == ParameterType.PARAMETER_BYTE_ARRAY:
        result.byte_array_value = [bytes([v]) for v in value]
    else:
        result.string_array_value = value


def event_parameters(event: ParameterEvent) -> list[Parameter]:
    """
    Turn a ``/parameter_events`` message into protocol parameters (deleted ones unset).

    :param event: an rcl_interfaces/msg/ParameterEvent.
    :return: the changed parameters, named ``<event.node>.<name>``.
    """
    changed = [to_protocol(f'{event.node}.{p.name}', p.value)
               for p in list(event.new_parameters) + list(event.changed_parameters)]
    return changed + [Parameter(f'{event.node}.{p.name}') for p in event.deleted_parameters]


class ParameterAccess:
    """Gets and sets other nodes' parameters; coroutines on the asyncio loop."""

    def __init__(self, whitelist: tuple[re.Pattern[str], ...], skip_unresponsive: bool,
                 call: ServiceCall, list_nodes: Callable[[], Awaitable[list[str]]],
                 own_name: str, timeout: float) -> None:
        """
        Create the accessor.

        :param whitelist: ``param_whitelist``.
        :param skip_unresponsive: ``ignore_unresponsive_param_nodes``: a node that did not
            answer a get-all is left out of the next ones.
        :param call: calls a ROS service from the loop.
        :param list_nodes: returns the fully qualified names of the nodes that serve
            parameters (list, get and set).
        :param own_name: the bridge's own node, which is left out of get-all.
        :param timeout: seconds for each node's answer.
        """
        self._whitelist = whitelist
        self._skip_unresponsive = skip_unresponsive
        self._call = call
        self._list_nodes = list_nodes
        self._own_name = own_name
        self._timeout = timeout
        self.unresponsive: set[str] = set()

    async def serve_get(self, request: GetParams, answers: Parameters) -> None:
        """
        Answer a client's getParameters.

        :param request: the ``GetParams`` effect.
        :param answers: the parameters capability, which sends the answer.
        """
        parameters = await self.get_values(request.names)
        answers.values(request.client_id, parameters, request.request_id)

    async def serve_set(self, request: SetParams, answers: Parameters) -> None:
        """
        Carry out a client's setParameters; answer with the new values if it gave an id.

        :param request: the ``SetParams`` effect.
        :param answers: the parameters capability, which sends the answer and the problems.
        """
        _, problems = await self.set_values(request.parameters)
        for problem in problems:
            answers.problem(request.client_id, f'Cannot set parameter {problem}')
        if request.request_id is not None:
            parameters = await self.get_values([p.name for p in request.parameters])
            answers.values(request.client_id, parameters, request.request_id)

    def allowed(self, full_name: str) -> bool:
        """
        Tell whether ``param_whitelist`` lets clients see and set a parameter.

        :param full_name: ``/node.param``.
        :return: True if allowed.
        """
        return matches_any(self._whitelist, full_name)

    async def get_values(self, names: Sequence[str]) -> list[Parameter]:
        """
        Get parameters by name, or every parameter of every node when ``names`` is empty.

        Parameters of nodes that do not exist or do not answer in time are left out.

        :param names: ``/node.param`` names.
        :return: the parameters that have a value.
        """
        nodes = set(await self._list_nodes())
        wanted: dict[str, Optional[list[str]]]
        if not names:
            wanted = {n: None for n in sorted(nodes) if n != self._own_name
                      and n not in self.unresponsive}
        else:
            wanted = {}
            for full_name in names:
                try:
                    node, name = split_name(full_name)
                except ParameterError:
                    continue
                if node in nodes:
                    wanted.setdefault(node, [])
                    listed_names = wanted[node]
                    if listed_names is not None:
                        listed_names.append(name)
        results = await asyncio.gather(*(self._get_node(node, params, remember=not names)
                                         for node, params in wanted.items()))
        return [p for found in results for p in found
                if p.value is not None and self.allowed(p.name)]

    async def _get_node(self, node: str, names: Optional[list[str]], *, remember: bool
                        ) -> list[Parameter]:
        try:
            if names is None:
                listed = cast(ListParameters.Response, await self._call(
                    f'{node}/list_parameters', ListParameters, ListParameters.Request(),
                    self._timeout))
                names = list(listed.result.names)
            if not names:
                return []
            values = cast(GetParameters.Response, await self._call(
                f'{node}/get_parameters', GetParameters, GetParameters.Request(names=names),
                self._timeout))
        except Exception:  # noqa: B902 - a timed-out or broken node is skipped
            if remember and self._skip_unresponsive:
                self.unresponsive.add(node)
            return []
        return [to_protocol(f'{node}.{name}', value)
                for name, value in zip(names, values.values)]

    async def set_values(self, parameters: Iterable[Parameter]
                         ) -> tuple[list[str], list[str]]:
        """
        Set (or, without a value, unset) parameters, node by node.

        :param parameters: the new values.
        :return: ``(names set, problems)``; problems name the parameter and the reason.
        """
        by_node: dict[str, list[tuple[str, Parameter]]] = {}
        problems = []
        for parameter in parameters:
            if not self.allowed(parameter.name):
                problems.append(f'{parameter.name}: not in param_whitelist')
                continue
            try:
                node, name = split_name(parameter.name)
            except ParameterError as exc:
                problems.append(str(exc))
                continue
            by_node.setdefault(node, []).append((name, parameter))
        results = await asyncio.gather(*(self._set_node(node, entries)
                                         for node, entries in by_node.items()))
        done = [name for names, _ in results for name in names]
        problems += [problem for _, node_problems in results for problem in node_problems]
        return done, problems

    async def _set_node(self, node: str, entries: list[tuple[str, Parameter]]
                        ) -> tuple[list[str], list[str]]:
        names = [name for name, _ in entries]
        try:
            current = cast(GetParameters.Response, await self._call(
                f'{node}/get_parameters', GetParameters, GetParameters.Request(names=names),
                self._timeout))
            current_types = [value.type for value in current.values]
        except Exception as exc:  # noqa: B902 - reported to the client
            return [], [f'{node}: cannot reach the node ({exc!r})']
        request, problems = _set_request(entries, current_types)
        if not request.parameters:
            return [], problems
        try:
            response = cast(SetParameters.Response, await self._call(
                f'{node}/set_parameters', SetParameters, request, self._timeout))
        except Exception as exc:  # noqa: B902 - reported to the client
            return [], problems + [f'{node}: cannot set parameters ({exc!r})']
        done = []
        for ros_parameter, result in zip(request.parameters, response.results):
            full_name = f'{node}.{ros_parameter.name}'
            if result.successful:
                done.append(full_name)
            else:
                problems.append(f'{full_name}: {result.reason or "refused by the node"}')
        return done, problems


def _set_request(entries: list[tuple[str, Parameter]], current_types: list[int]
                 ) -> tuple[SetParameters.Request, list[str]]:
    # Each value in the type the node has now: an integer for a double parameter is a double.
    request = SetParameters.Request()
    problems = []
    for (name, parameter), current_type in zip(entries, current_types):
        try:
            value = from_protocol(parameter, current_type)
        except ParameterError as exc:
            problems.append(str(exc))
            continue
        request.parameters.append(RosParameter(name=name, value=value))
    return request, problems
