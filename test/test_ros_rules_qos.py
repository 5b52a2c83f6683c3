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

"""QoS choice: echo's rule, the depth sum and its clamps."""

from foxglove_bridge_py.ros_rules.qos import choose_qos, PublisherQos

RELIABLE_LATCHED = PublisherQos(reliable=True, transient_local=True, depth=1)
BEST_EFFORT = PublisherQos(reliable=False, transient_local=False, depth=5)


def test_no_publishers_best_effort_volatile():
    choice = choose_qos([], min_depth=1, max_depth=25)
    assert (choice.reliable, choice.transient_local, choice.depth) == (False, False, 1)


def test_all_reliable_latched():
    choice = choose_qos([RELIABLE_LATCHED] * 3, min_depth=1, max_depth=25)
    assert (choice.reliable, choice.transient_local, choice.depth) == (True, True, 3)
    assert choice.warnings == ()


def test_unknown_depth_counts_as_the_usual_depth_of_ten():
    assert choose_qos([PublisherQos(True, False, 0)], min_depth=1, max_depth=25).depth == 10
    # 15 latched publishers of unknown depth all fit, and no warning is made up.
    choice = choose_qos([PublisherQos(True, True, 0)] * 15, min_depth=1, max_depth=25)
    assert (choice.depth, choice.warnings) == (25, ())


def test_mixed_publishers_degrade_with_warnings():
    choice = choose_qos([RELIABLE_LATCHED, BEST_EFFORT], min_depth=1, max_depth=25)
    assert (choice.reliable, choice.transient_local, choice.depth) == (False, False, 6)
    assert len(choice.warnings) == 2


def test_depth_clamped():
    assert choose_qos([BEST_EFFORT] * 10, min_depth=1, max_depth=10).depth == 10
    assert choose_qos([BEST_EFFORT] * 10, min_depth=1, max_depth=10).warnings
    assert choose_qos([BEST_EFFORT], min_depth=8, max_depth=10).depth == 8


def test_forced_best_effort_keeps_durability():
    choice = choose_qos([RELIABLE_LATCHED], min_depth=1, max_depth=25, force_best_effort=True)
    assert (choice.reliable, choice.transient_local) == (False, True)
