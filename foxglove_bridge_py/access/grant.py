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
What one client may do: its role, and the whitelists its token narrows.

A :class:`Grant` is decided once, when the client connects (``access.gate``), and travels with
its session: the core reads it to choose what the client is told of (capabilities, channels,
services, parameters) and which of its ops reach ROS. Without an access file every client holds
:data:`OPEN`, which narrows nothing, so the bridge behaves as it always has. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
import enum
import re
from typing import Iterable, Optional

from foxglove_bridge_py.protocol import Capability

Patterns = Optional[tuple[re.Pattern[str], ...]]
"""Compiled full-match patterns, or None where a token does not narrow the bridge-wide list."""


class Role(enum.IntEnum):
    """What a client may do, each role all the one below it may, and more."""

    NONE = 0
    """Refused at the handshake (only for ``anonymous``)."""
    VIEWER = 1
    """Sees: subscribe, time, connection graph, assets, read parameters."""
    OPERATOR = 2
    """Also acts: client publish, service calls, setting parameters."""

    @property
    def label(self) -> str:
        """
        Name the role as the access file spells it.

        :return: ``none``, ``viewer`` or ``operator``.
        """
        return self.name.lower()


OPERATOR_CAPABILITIES = frozenset({Capability.CLIENT_PUBLISH.value, Capability.SERVICES.value})
"""Capabilities offered to operators only: the app hides what a viewer cannot do."""


def _narrows(patterns: Patterns, name: str) -> bool:
    return patterns is not None and not any(p.fullmatch(name) for p in patterns)


@dataclass(frozen=True)
class Grant:
    """One client's rights: a role, and whitelists that narrow the bridge-wide ones."""

    role: Role
    name: Optional[str] = None
    """The token's name from the access file; None for a client without a token."""
    digest: Optional[bytes] = None
    """The token's SHA-256, to find it again when the file changes; None without a token."""
    topic_whitelist: Patterns = None
    client_topic_whitelist: Patterns = None
    service_whitelist: Patterns = None
    param_whitelist: Patterns = None
    robots: Patterns = None
    """At a relay, the robots (by name) the token may reach; None: every robot."""
    via: Optional[str] = None
    """On a robot, the relay a viewer came through; None for a direct client."""

    @property
    def who(self) -> str:
        """
        Name the client's credentials for a refusal or a log line; never the token itself.

        :return: e.g. ``token "field-laptop"``, or ``a client without a token``.
        """
        who = f'token "{self.name}"' if self.name is not None else 'a client without a token'
        return who if self.via is None else f'{who} via relay {self.via}'

    @property
    def narrows_topics(self) -> bool:
        """
        Tell whether the client sees fewer channels than the bridge advertises.

        :return: True when its token has a topic_whitelist.
        """
        return self.topic_whitelist is not None

    def whitelists(self) -> tuple[Optional[tuple[str, ...]], ...]:
        """
        Give the whitelists as their source patterns, to compare two grants.

        :return: the four whitelists' patterns (None where not narrowed).
        """
        return tuple(None if p is None else tuple(x.pattern for x in p) for p in (
            self.topic_whitelist, self.client_topic_whitelist, self.service_whitelist,
            self.param_whitelist))

    def sees_topic(self, topic: str) -> bool:
        """
        Tell whether the client may see and subscribe to a channel of this topic.

        :param topic: the channel's topic.
        :return: True if allowed.
        """
        return not _narrows(self.topic_whitelist, topic)

    def sees_robot(self, robot: str) -> bool:
        """
        Tell whether the client may reach a robot through a relay.

        :param robot: the robot's ``relay_name``.
        :return: True if its token does not narrow it away.
        """
        return not _narrows(self.robots, robot)

    def may_publish_to(self, topic: str) -> bool:
        """
        Tell whether the client may advertise this topic for publishing (role aside).

        :param topic: the topic.
        :return: True if its token does not narrow it away.
        """
        return not _narrows(self.client_topic_whitelist, topic)

    def sees_service(self, service: str) -> bool:
        """
        Tell whether the client is told of a service and may call it.

        :param service: the service's name.
        :return: True for an operator whose token does not narrow it away.
        """
        return self.role >= Role.OPERATOR and not _narrows(self.service_whitelist, service)

    def sees_parameter(self, name: str) -> bool:
        """
        Tell whether the client may read (and, as an operator, set) a parameter.

        :param name: ``/node.param``.
        :return: True if its token does not narrow it away.
        """
        return not _narrows(self.param_whitelist, name)

    def capabilities(self, offered: Iterable[str]) -> tuple[str, ...]:
        """
        Give the capabilities this client's ``serverInfo`` lists.

        :param offered: what the bridge offers.
        :return: those of them its role may use.
        """
        if self.role >= Role.OPERATOR:
            return tuple(offered)
        return tuple(c for c in offered if c not in OPERATOR_CAPABILITIES)

    def narrower_than(self, before: Grant) -> bool:
        """
        Tell whether this grant takes away something ``before`` gave.

        :param before: the grant the client connected with.
        :return: True for a lower role or any change of a whitelist.
        """
        return self.role < before.role or self.whitelists() != before.whitelists()


OPEN = Grant(Role.OPERATOR)
"""Every client's grant when the bridge has no access file: nothing narrowed."""


def refusal(grant: Grant, op: str) -> Optional[str]:
    """
    Say why a client's role may not send an op that changes the robot, if it may not.

    :param grant: the client's grant.
    :param op: the op's name, as a refusal gives it (``setParameters``, ``publish``).
    :return: e.g. ``setParameters refused: token "lobby" is a viewer``, or None if allowed.
    """
    if grant.role >= Role.OPERATOR:
        return None
    return f'{op} refused: {grant.who} is a {grant.role.label}'
