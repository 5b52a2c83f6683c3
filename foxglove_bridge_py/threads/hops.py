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
The typed hops between the threads, each crossing written out.

A reader and a type checker follow a call from one side to the other. A hop posts the call
and returns at once; the target runs it on its own thread, in the order the calls were posted
(``Threads.call_in_ros``, ``Threads.call_in_loop``). :class:`SourceEventsOnLoop` carries the
source's events (``core.seams``) across; single callbacks cross as a :class:`Hop`, which keeps
the function's signature. Each hop is a named method, so a stack trace names every step.
"""

from __future__ import annotations

from typing import Callable, Generic, Sequence

from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.seams import Arguments, Post, SourceEvents
from foxglove_bridge_py.protocol import StatusLevel


class Hop(Generic[Arguments]):
    """A function that, called on this thread, runs another on the other thread."""

    __slots__ = ('_post', '_function')

    def __init__(self, post: Post, function: Callable[Arguments, object]) -> None:
        """
        Name the function and how to reach its thread.

        :param post: posts a call to the other thread.
        :param function: what to run there; its result is dropped.
        """
        self._post = post
        self._function = function

    def __call__(self, *args: Arguments.args, **kwargs: Arguments.kwargs) -> None:
        """
        Post the call and return at once.

        :param args: the function's arguments.
        :param kwargs: its keyword arguments.
        """
        self._post(self._function, *args, **kwargs)


def call_here(function: Callable[Arguments, object], *args: Arguments.args,
              **kwargs: Arguments.kwargs) -> None:
    """
    Run a function now, on this thread: the :class:`Post` of a part that lives where it is called.

    A recording's source lives on the loop, as the core does, so its calls need no hop.

    :param function: what to run; its result is dropped.
    :param args: its arguments.
    :param kwargs: its keyword arguments.
    """
    function(*args, **kwargs)


class SourceEventsOnLoop:
    """The core's :class:`SourceEvents`, called on the executor thread, run on the loop."""

    def __init__(self, events: SourceEvents, post: Post) -> None:
        """
        Wrap the loop-side receiver of a source's events.

        :param events: used on the loop only.
        :param post: ``Threads.call_in_loop``.
        """
        self._events = events
        self._post = post

    def graph_changed(self, change: GraphChange) -> None:
        """
        Post :meth:`SourceEvents.graph_changed`.

        :param change: the change.
        """
        self._post(self._events.graph_changed, change)

    def channel_problem(self, channel_id: int, kind: str, level: StatusLevel,
                        message: str) -> None:
        """
        Post :meth:`SourceEvents.channel_problem`.

        :param channel_id: the channel.
        :param kind: the problem's kind.
        :param level: warning or error.
        :param message: the text.
        """
        self._post(self._events.channel_problem, channel_id, kind, level, message)

    def clear_channel_problems(self, channel_id: int, kinds: Sequence[str]) -> None:
        """
        Post :meth:`SourceEvents.clear_channel_problems`.

        :param channel_id: the channel.
        :param kinds: the kinds solved.
        """
        self._post(self._events.clear_channel_problems, channel_id, kinds)

    def channel_latched(self, channel_id: int) -> None:
        """
        Post :meth:`SourceEvents.channel_latched`.

        :param channel_id: the channel.
        """
        self._post(self._events.channel_latched, channel_id)
