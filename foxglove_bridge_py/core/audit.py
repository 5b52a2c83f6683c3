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
The audit trail: one INFO line, naming the token, for each act that changes the robot.

Advertising a topic for publishing, calling a service and setting parameters are logged as the
hub hands them to the ROS side; the messages a client then publishes are not (one line per
message would be a flood). Token values and payloads never appear. Each such effect is an
:class:`Audited` and says in its own words what it does.
"""

from __future__ import annotations

from typing import Mapping, Optional

from foxglove_bridge_py.core.client_session import Audited, ClientSession, Effect


def audit_line(effect: Effect, sessions: Mapping[int, ClientSession]) -> Optional[str]:
    """
    Describe an effect for the audit trail, if it is one that changes the robot.

    :param effect: an effect the hub returned.
    :param sessions: the hub's clients by id, to name who asked.
    :return: the line, or None for an effect that is not audited.
    """
    if not isinstance(effect, Audited):
        return None
    session = sessions.get(effect.client_id)
    if session is None:
        return None
    grant = session.grant
    return f'audit: {grant.who} ({grant.role.label}, {session.name}) {effect.audit()}'
