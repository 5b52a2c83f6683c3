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
(``Threads.call_in_ros``, ``Threads.call_in_loop``). :class:`SourceInRos` and
:class:`SourceEventsOnLoop` carry the source seams (``core.seams``) across; single callbacks
cross with :func:`hop`, which keeps the function's signature.
"""

from __future__ import annotations

from typing import Callable, ParamSpec, Sequence

from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.seams import Post, Source, SourceEvents
from foxglove_bridge_py.protocol import Channel, StatusLevel

Arguments = ParamSpec('Arguments')


def hop(post: Post, function: Callable[Arguments, object]) -> Callable[Arguments, None]:
    """
    Make a function that, called on this thread, runs ``function`` on the other.

    :param post: posts a call to the other thread.
    :param function: what to run there; its result is dropped.
    :return: a function of the same parameters that posts the call and returns None.
    """
    def posted(*args: Arguments.args, **kwargs: Arguments.kwargs) -> None:
        post(function, *args, **kwargs)

    return posted


class SourceInRos:
    """The live graph's :class:`Source`, called from the loop, run on the executor thread."""

    def __init__(self, source: Source, post: Post) -> None:
        """
        Wrap a ROS-side source.

        :param source: used on the executor thread only.
        :param post: ``Threads.call_in_ros``.
        """
        self._source = source
        self._post = post

    def start(self, channel: Channel) -> None:
        """
        Post :meth:`Source.start`.

        :param channel: the channel.
        """
        self._post(self._source.start, channel)

    def stop(self, channel_id: int) -> None:
        """
        Post :meth:`Source.stop`.

        :param channel_id: the channel.
        """
        self._post(self._source.stop, channel_id)

    def replay(self, client_id: int, channel_id: int) -> None:
        """
        Post :meth:`Source.replay`.

        :param client_id: the late joiner.
        :param channel_id: the channel.
        """
        self._post(self._source.replay, client_id, channel_id)


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
