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
The interfaces the parts meet at, as ``typing.Protocol``s a type checker follows.

A *source* of channels, messages and time (the live ROS graph, ``ros.source``, or a recording,
``playback.source``) meets the core at three seams: the core tells it which channels to send
(:class:`Source`), it tells the core what happened to the graph (:class:`SourceEvents`), and it
posts messages, replays, the clock and new sessions to the loop (:class:`MessageSink`). Each
side sees only the Protocol; which thread a call runs on is decided where the parts are wired
(``bridge.py``), by the typed hops of ``threads.hops``.
"""

from __future__ import annotations

from typing import Callable, Iterator, Mapping, ParamSpec, Protocol, Sequence, TYPE_CHECKING, Union

from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.protocol import Channel, StatusLevel

if TYPE_CHECKING:
    from foxglove_bridge_py.access.grant import Grant
    from foxglove_bridge_py.core.client_session import ClientSession, Effect

Arguments = ParamSpec('Arguments')
Message = tuple[int, int, int, bytes]
"""One message from a source: channel id, sequence (increasing across channels), log time in
nanoseconds, and its CDR bytes, untouched."""
KeptMessage = tuple[int, int, bytes]
"""A latched message a publisher kept, replayed to a late joiner: sequence, log time, bytes."""


class Source(Protocol):
    """What the core asks of a source, as effects of clients' subscriptions."""

    def start(self, channel: Channel) -> None:
        """
        Start sending a channel: its first client subscribed.

        :param channel: the channel, with its id.
        """

    def stop(self, channel_id: int) -> None:
        """
        Stop sending a channel: its last client left.

        :param channel_id: the channel.
        """

    def replay(self, client_id: int, channel_id: int) -> None:
        """
        Send a late joiner of a latched channel the messages it kept.

        :param client_id: the client that subscribed.
        :param channel_id: the channel, one the source said was latched.
        """


class SourceEvents(Protocol):
    """What a source tells the core of the graph (on the loop)."""

    def graph_changed(self, change: GraphChange) -> None:
        """
        Apply the channels and services that came and went.

        :param change: the change.
        """

    def channel_problem(self, channel_id: int, kind: str, level: StatusLevel,
                        message: str) -> None:
        """
        Report a problem with a channel until it is solved.

        :param channel_id: the channel.
        :param kind: ``subscription``, ``qos`` or ``twin``.
        :param level: warning or error.
        :param message: the text.
        """

    def clear_channel_problems(self, channel_id: int, kinds: Sequence[str]) -> None:
        """
        Withdraw a channel's problems of some kinds.

        :param channel_id: the channel.
        :param kinds: the kinds solved.
        """

    def channel_latched(self, channel_id: int) -> None:
        """
        Mark a channel latched: late joiners are sent what its publishers kept.

        :param channel_id: the channel.
        """


class MessageSink(Protocol):
    """Where a source posts what reaches the clients, from any thread, kept in order."""

    def post_message(self, channel_id: int, sequence: int, log_time: int, data: bytes) -> None:
        """
        Hand over one message.

        :param channel_id: its channel.
        :param sequence: its number, increasing across channels.
        :param log_time: its receive time in nanoseconds.
        :param data: its CDR bytes, untouched.
        """

    def post_replay(self, client_id: int, channel_id: int, messages: list[KeptMessage],
                    until: int) -> None:
        """
        Hand over a late joiner's latched messages, in their place among the others.

        :param client_id: the late joiner.
        :param channel_id: the channel.
        :param messages: what the publishers kept.
        :param until: the sequence number live delivery resumes after.
        """

    def post_time(self, timestamp_ns: int) -> None:
        """
        Hand over the source's clock.

        :param timestamp_ns: the time in nanoseconds.
        """

    def post_new_session(self) -> str:
        """
        Start a new session (a simulation restarted): clients reset their state.

        :return: the new session id.
        """


class Post(Protocol):
    """Runs ``function(*args)`` on another thread: ``Threads.call_in_ros`` or ``call_in_loop``."""

    def __call__(self, function: Callable[Arguments, object], *args: Arguments.args,
                 **kwargs: Arguments.kwargs) -> None:
        """
        Post the call.

        :param function: what to run there.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        """


class Log(Protocol):
    """Where a part reports what went wrong: the node's logger."""

    def error(self, message: str) -> object:
        """
        Log an error.

        :param message: the text.
        """

    def warning(self, message: str) -> object:
        """
        Log a warning.

        :param message: the text.
        """

    def info(self, message: str) -> object:
        """
        Log a fact.

        :param message: the text.
        """


class Offload(Protocol):
    """A thread for heavy work that must hold up neither the executor nor the loop."""

    def offer(self, key: int, function: Callable[Arguments, object], *args: Arguments.args,
              **kwargs: Arguments.kwargs) -> None:
        """
        Queue a job, replacing the waiting one of the same key (newest wins).

        :param key: what the job is about (a channel id).
        :param function: what to run on that thread.
        :param args: its arguments.
        :param kwargs: its keyword arguments.
        """


class ServedHub(Protocol):
    """What the WebSocket server serves clients from: the bridge's hub, or a relayed robot."""

    @property
    def sessions(self) -> Mapping[int, ClientSession]:
        """
        Give the clients being served.

        :return: their sessions, by id.
        """

    def connect(self, name: str, grant: Grant) -> ClientSession:
        """
        Add a client and queue its greeting.

        :param name: a label for logs.
        :param grant: what it may do and see.
        :return: its session.
        """

    def disconnect(self, session: ClientSession) -> list[Effect]:
        """
        Remove a client.

        :param session: its session.
        :return: effects to carry out.
        """

    def handle_frame_in_slices(self, session: ClientSession, frame: Union[str, bytes]
                               ) -> Iterator[list[Effect]]:
        """
        Handle one of a client's frames, a slice at a time.

        :param session: the client.
        :param frame: its text or bytes.
        :return: effects, one list per slice.
        """
