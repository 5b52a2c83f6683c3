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
The flat table from effect type to what carries it out, as the wiring fills it.

Each capability returns effects (``core.client_session.Effect``); ``bridge.py`` names, once per
type, the part that carries it out (a bound method taking the effect), and a bridge's own
capability names its own when it is registered (:meth:`CapabilityModule.map_effects`). Each
entry is typed by its effect, so a reader and a type checker follow an effect from the handler
that made it to the ROS side that does it, and a stack trace goes from :meth:`carry_out`
straight to that method.
"""

from __future__ import annotations

from typing import Callable, cast, Optional, Sequence, TypeVar

from foxglove_bridge_py.core.client_session import Effect

Carried = TypeVar('Carried', bound=Effect)


class EffectTable:
    """Effect type to the function that carries such effects out."""

    def __init__(self) -> None:
        """Start empty, with no audit."""
        self._table: dict[type[Effect], Callable[[Effect], None]] = {}
        self.audit: Optional[Callable[[Sequence[Effect]], None]] = None
        """Told of the effects before they are carried out (the audit trail), if set."""

    def on(self, kind: type[Carried], carry_out: Callable[[Carried], None]) -> None:
        """
        Name what carries out the effects of one type.

        :param kind: the effect type.
        :param carry_out: takes one effect of that type.
        :raises ValueError: if the type already has an entry.
        """
        if kind in self._table:
            raise ValueError(f'{kind.__name__} is carried out twice')
        # Looked up by the exact type of each effect, so it is only ever given a Carried.
        self._table[kind] = cast('Callable[[Effect], None]', carry_out)

    def carry_out(self, effects: Sequence[Effect]) -> None:
        """
        Hand each effect to what its type maps to.

        :param effects: effects the hub returned.
        :raises KeyError: for an effect type that nothing carries out (a wiring mistake).
        """
        if self.audit is not None:
            self.audit(effects)
        table = self._table
        for effect in effects:
            table[type(effect)](effect)
