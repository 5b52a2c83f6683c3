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
Choice of a subscription's QoS from the publishers on its topic.

The rule is ``ros2 topic echo``'s and the C++ bridge's: ask for reliable or transient_local only
when every publisher offers it, so that the subscription matches all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


UNKNOWN_DEPTH = 10
"""The depth assumed for a publisher whose depth the middleware does not report."""


@dataclass(frozen=True)
class PublisherQos:
    """What one publisher offers, as the graph reports it."""

    reliable: bool
    transient_local: bool
    depth: int


@dataclass(frozen=True)
class QosChoice:
    """The QoS to subscribe with, and why it may disappoint."""

    reliable: bool
    transient_local: bool
    depth: int
    warnings: tuple[str, ...] = ()


def choose_qos(publishers: Sequence[PublisherQos], *, min_depth: int, max_depth: int,
               force_best_effort: bool = False) -> QosChoice:
    """
    Choose the QoS of a subscription that matches every publisher.

    Depth is the sum over publishers of their depth, clamped to ``[min_depth, max_depth]``.
    Fast DDS reports every publisher's depth as 0 (unknown); such a publisher counts as
    :data:`UNKNOWN_DEPTH`, the usual publisher depth, so that a burst is not cut to one message
    before Python has taken it, and N latched publishers all fit.

    :param publishers: the publishers on the topic (may be empty).
    :param min_depth: the smallest depth allowed.
    :param max_depth: the largest depth allowed.
    :param force_best_effort: subscribe best-effort whatever the publishers offer.
    :return: the choice, with warnings for mixed publishers or a capped depth.
    """
    warnings = []
    known = sum(max(1, p.depth) for p in publishers if p.depth > 0)
    if known > max_depth:
        warnings.append(f'history depth {known} capped at max_qos_depth {max_depth}')
    depth = min(known + UNKNOWN_DEPTH * sum(1 for p in publishers if p.depth <= 0), max_depth)
    depth = max(depth, min_depth, 1)
    reliable_count = sum(p.reliable for p in publishers)
    latched_count = sum(p.transient_local for p in publishers)
    reliable = bool(publishers) and reliable_count == len(publishers) and not force_best_effort
    transient_local = bool(publishers) and latched_count == len(publishers)
    if 0 < reliable_count < len(publishers):
        warnings.append('some publishers are reliable and some best-effort: subscribing '
                        'best-effort')
    if 0 < latched_count < len(publishers):
        warnings.append('some publishers are transient_local and some volatile: subscribing '
                        'volatile, so latched messages are not received')
    return QosChoice(reliable, transient_local, depth, tuple(warnings))
