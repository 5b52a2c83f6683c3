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
A made-up capability, written as CONTRIBUTING.md's worked example: the robot's beacon.

A client may send ``{"op": "blink", "times": 3}``; the beacon blinks (an effect, carried out
by the light the module is given) and the client is told ``{"op": "blinking", "times": 3}``.
Blinking changes the robot, so a viewer is refused. Nothing outside this file knows of it, not
even the name ``beacon``: registering the module on a hub offers the capability and maps its
effect, which is all a capability needs.
"""

from dataclasses import dataclass
from typing import Protocol

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import Audited, ClientSession, Effect
from foxglove_bridge_py.core.effect_table import EffectTable
from foxglove_bridge_py.core.ops import CapabilityModule, route, TextOp

BEACON = 'beacon'
"""The capability's name in serverInfo: not one of the protocol's, a bridge's own."""
MAX_TIMES = 10


@dataclass(frozen=True)
class BlinkRequest:
    """The ``blink`` op."""

    times: int


def _decode_blink(message):
    times = protocol.u32(protocol.field(message, 'times', 'blink'), 'blink.times')
    if not 1 <= times <= MAX_TIMES:
        raise protocol.ProtocolError(f'blink.times must be from 1 to {MAX_TIMES}, got {times}')
    return BlinkRequest(times)


BLINK = TextOp('blink', _decode_blink, BEACON, acts=True)


@dataclass(frozen=True)
class Blink(Audited):
    """Effect: blink the beacon."""

    client_id: int
    times: int

    def audit(self):
        """
        Say what was done.

        :return: the words for the audit trail.
        """
        return f'blinked the beacon {self.times} times'


class Light(Protocol):
    """What carries out a blink: on a robot, a publisher on the ROS side, reached by a hop."""

    def blink(self, effect: Blink) -> None:
        """
        Blink the beacon.

        :param effect: how many times, and for whom.
        """


class Beacon(CapabilityModule):
    """Blinks the beacon for clients, and counts the blinks each asked for."""

    offers = BEACON

    def __init__(self, light: Light):
        """
        Answer ``blink``.

        :param light: carries out the blinks.
        """
        self.blinks: dict[int, int] = {}
        self.routes = (route(BLINK, self._on_blink),)
        self._light = light

    def map_effects(self, table: EffectTable) -> None:
        """
        Have the light carry out the blinks.

        :param table: the hub's effect table.
        """
        table.on(Blink, self._light.blink)

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Forget a client's count when it leaves.

        :param session: the client.
        :return: no effects.
        """
        self.blinks.pop(session.client_id, None)
        return []

    def _on_blink(self, session: ClientSession, message: BlinkRequest) -> list[Effect]:
        self.blinks[session.client_id] = self.blinks.get(session.client_id, 0) + message.times
        session.send_queue.put_control(protocol.encode_json({'op': 'blinking',
                                                             'times': message.times}))
        return [Blink(session.client_id, message.times)]
