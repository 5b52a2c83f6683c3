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
Other nodes' parameters as clients get and set them: coroutines on the loop.

A parameter is named ``/node.param`` (split at the first dot). Every node a request names is
asked at once, so an unresponsive node costs only its own timeout; ``param_whitelist`` applies
to every name read or set. Each service call is carried out on the executor thread by the ROS
side (``ros.params.NodeParameters``, a :class:`NodeParameters`), which answers in this module's
terms: names, :class:`~.parameters.Parameter` values, what was set and what was not.
"""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Awaitable, Callable, Iterable, Optional, Protocol, Sequence, TypeVar

from foxglove_bridge_py.capabilities.parameters import GetParams, Parameter, Parameters, SetParams
from foxglove_bridge_py.ros_rules.names import matches_any

Result = TypeVar('Result')
Done = Callable[[Optional[Result], Optional[BaseException]], None]
"""Reports the end of work started on the executor thread: ``done(result, None)`` or
``done(None, error)``, once. The meaning and the name of ``threads.Done``, which a capability
may not import (``threads`` imports the ROS side, which imports the capabilities)."""
SetOutcome = tuple[list[str], list[str]]
"""What a set did: the ``/node.param`` names set, and the problems, each naming the parameter
or the node and the reason."""


class ParameterError(ValueError):
    """A name that is not ``/node.param``, a value that cannot be a ROS parameter."""


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


class NodeParameters(Protocol):
    """Other nodes' parameter services, called on the executor thread; each reports once."""

    def list_names(self, node: str, done: Done[list[str]]) -> None:
        """
        List a node's parameters.

        :param node: the node's fully qualified name.
        :param done: receives the parameters' names, or why the node did not answer.
        """

    def read(self, node: str, names: list[str], done: Done[list[Parameter]]) -> None:
        """
        Get a node's parameters by name.

        :param node: the node.
        :param names: the parameters' names in the node (without ``/node.``).
        :param done: receives them as ``/node.param`` parameters (unset ones without a value).
        """

    def read_types(self, node: str, names: list[str], done: Done[list[int]]) -> None:
        """
        Tell the ROS types a node's parameters have now, for :meth:`write`.

        :param node: the node.
        :param names: the parameters' names in the node.
        :param done: receives one type per name, as ROS numbers them.
        """

    def write(self, node: str, entries: list[tuple[str, Parameter]], types: list[int],
              done: Done[SetOutcome]) -> None:
        """
        Set (or, without a value, unset) a node's parameters, each in the type it has now.

        :param node: the node.
        :param entries: each parameter's name in the node, and its new value.
        :param types: what :meth:`read_types` told of the same names.
        :param done: receives what was set and the problems, including a failed call.
        """


class AwaitInRos(Protocol):
    """Runs ``start(done)`` on the executor thread and awaits what it reports."""

    def __call__(self, start: Callable[[Done[Result]], None]) -> Awaitable[Result]:
        """
        Start work on the executor thread (``Threads.await_ros_callback``).

        :param start: called there with ``done``, which it (or a later ROS callback) calls once.
        :return: the result, or the error raised, on the loop.
        """


class ParameterAccess:
    """Gets and sets other nodes' parameters; coroutines on the asyncio loop."""

    def __init__(self, whitelist: tuple[re.Pattern[str], ...], skip_unresponsive: bool,
                 nodes: NodeParameters, in_ros: AwaitInRos,
                 list_nodes: Callable[[], Awaitable[list[str]]], own_name: str) -> None:
        """
        Create the accessor.

        :param whitelist: ``param_whitelist``.
        :param skip_unresponsive: ``ignore_unresponsive_param_nodes``: a node that did not
            answer a get-all is left out of the next ones.
        :param nodes: the ROS side's calls to the nodes' parameter services.
        :param in_ros: runs each of those calls on the executor thread.
        :param list_nodes: returns the fully qualified names of the nodes that serve
            parameters (list, get and set).
        :param own_name: the bridge's own node, which is left out of get-all.
        """
        self._whitelist = whitelist
        self._skip_unresponsive = skip_unresponsive
        self._nodes = nodes
        self._in_ros = in_ros
        self._list_nodes = list_nodes
        self._own_name = own_name
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
                names = await self._in_ros(functools.partial(self._nodes.list_names, node))
            if not names:
                return []
            return await self._in_ros(functools.partial(self._nodes.read, node, names))
        except Exception:  # noqa: B902 - a timed-out or broken node is skipped
            if remember and self._skip_unresponsive:
                self.unresponsive.add(node)
            return []

    async def set_values(self, parameters: Iterable[Parameter]) -> SetOutcome:
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

    async def _set_node(self, node: str, entries: list[tuple[str, Parameter]]) -> SetOutcome:
        # Each value in the type the node has now: an integer for a double parameter is a double.
        try:
            types = await self._in_ros(functools.partial(
                self._nodes.read_types, node, [name for name, _ in entries]))
        except Exception as exc:  # noqa: B902 - reported to the client
            return [], [f'{node}: cannot reach the node ({exc!r})']
        try:
            return await self._in_ros(functools.partial(self._nodes.write, node, entries, types))
        except Exception as exc:  # noqa: B902 - reported to the client
            return [], [f'{node}: cannot set parameters ({exc!r})']
