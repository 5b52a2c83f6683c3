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
Other nodes' parameters on the executor thread: their ``rcl_interfaces`` services, their events.

Values map to the protocol as the C++ bridge maps them: doubles carry ``float64``, double arrays
``float64_array``, byte arrays are base64 with ``byte_array``. :class:`NodeParameters` makes the
service calls that the loop's ``capabilities.parameter_access.ParameterAccess`` awaits, one call
each, and answers in protocol terms; :func:`event_parameters` reads ``/parameter_events``.
"""

from __future__ import annotations

import functools
from typing import Callable, cast, Optional, TypeGuard, TypeVar, Union

from foxglove_bridge_py.capabilities.parameter_access import Done, ParameterError, SetOutcome
from foxglove_bridge_py.capabilities.parameters import Parameter
from foxglove_bridge_py.ros.services import ServiceCaller, ServiceCallError
from rcl_interfaces.msg import Parameter as RosParameter
from rcl_interfaces.msg import ParameterEvent, ParameterType, ParameterValue
from rcl_interfaces.srv import GetParameters, ListParameters, SetParameters

Result = TypeVar('Result')


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


class NodeParameters:
    """
    Calls other nodes' parameter services; used on the executor thread.

    Each method makes one service call, which waits (within the timeout) for a service not
    there yet, and reports once through ``done``: the answer in protocol terms, or a
    :class:`~.services.ServiceCallError` saying why there is none. It implements
    ``capabilities.parameter_access.NodeParameters``.
    """

    def __init__(self, caller: ServiceCaller, timeout: float) -> None:
        """
        Call through the bridge's service caller.

        :param caller: the ROS-side caller.
        :param timeout: seconds for each node's answer.
        """
        self._caller = caller
        self._timeout = timeout

    def list_names(self, node: str, done: Done[list[str]]) -> None:
        """
        List a node's parameters (``list_parameters``).

        :param node: the node's fully qualified name.
        :param done: receives the names.
        """
        self._call(f'{node}/list_parameters', ListParameters, ListParameters.Request(),
                   _listed_names, done)

    def read(self, node: str, names: list[str], done: Done[list[Parameter]]) -> None:
        """
        Get a node's parameters by name (``get_parameters``).

        :param node: the node.
        :param names: the parameters' names in the node.
        :param done: receives them named ``/node.param``, unset ones without a value.
        """
        self._call(f'{node}/get_parameters', GetParameters, GetParameters.Request(names=names),
                   functools.partial(_read_values, node, names), done)

    def read_types(self, node: str, names: list[str], done: Done[list[int]]) -> None:
        """
        Tell the ROS types a node's parameters have now (``get_parameters``).

        :param node: the node.
        :param names: the parameters' names in the node.
        :param done: receives one ``ParameterType`` per name.
        """
        self._call(f'{node}/get_parameters', GetParameters, GetParameters.Request(names=names),
                   _read_types, done)

    def write(self, node: str, entries: list[tuple[str, Parameter]], types: list[int],
              done: Done[SetOutcome]) -> None:
        """
        Set a node's parameters, each in the type it has now (``set_parameters``).

        :param node: the node.
        :param entries: each parameter's name in the node, and its new value.
        :param types: their types now, from :meth:`read_types`.
        :param done: receives the names set and the problems: values no ROS parameter can
            hold, changes the node refused, and a call that failed.
        """
        request, problems = _set_request(entries, types)
        if not request.parameters:
            return done(([], problems), None)
        try:
            self._call(f'{node}/set_parameters', SetParameters, request,
                       functools.partial(_set_outcome, node, request, problems),
                       functools.partial(_report_set, node, problems, done))
        except Exception as exc:  # noqa: B902 - reported to the client
            _report_set(node, problems, done, None, exc)

    def _call(self, name: str, srv_type: type, request: object,
              read: Callable[[object], Result], done: Done[Result]) -> None:
        self._caller.call(object(), name, srv_type, request, self._timeout,
                          functools.partial(_answered, read, done), wait_for_service=True)


def _answered(read: Callable[[object], Result], done: Done[Result], response: object,
              error: Optional[str]) -> None:
    # A service's answer, read into protocol terms on the executor thread.
    if error is not None:
        return done(None, ServiceCallError(error))
    try:
        result = read(response)
    except Exception as exc:  # noqa: B902 - the awaiting coroutine hears of it
        return done(None, exc)
    done(result, None)


def _listed_names(response: object) -> list[str]:
    return list(cast(ListParameters.Response, response).result.names)


def _read_values(node: str, names: list[str], response: object) -> list[Parameter]:
    values = cast(GetParameters.Response, response).values
    return [to_protocol(f'{node}.{name}', value) for name, value in zip(names, values)]


def _read_types(response: object) -> list[int]:
    return [value.type for value in cast(GetParameters.Response, response).values]


def _set_outcome(node: str, request: SetParameters.Request, problems: list[str],
                 response: object) -> SetOutcome:
    done = []
    problems = list(problems)
    results = cast(SetParameters.Response, response).results
    for ros_parameter, result in zip(request.parameters, results):
        full_name = f'{node}.{ros_parameter.name}'
        if result.successful:
            done.append(full_name)
        else:
            problems.append(f'{full_name}: {result.reason or "refused by the node"}')
    return done, problems


def _report_set(node: str, problems: list[str], done: Done[SetOutcome],
                outcome: Optional[SetOutcome], error: Optional[BaseException]) -> None:
    # A set call that failed is one more problem; the values already refused stay named.
    if error is None:
        return done(outcome, None)
    done(([], problems + [f'{node}: cannot set parameters ({error!r})']), None)


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
