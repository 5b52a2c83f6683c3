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

"""The newest-wins rate limit, with a fake clock."""

from foxglove_bridge_py.ros_rules.throttle import Throttle


def test_a_message_after_a_quiet_period_goes_at_once():
    throttle = Throttle(0.2)
    assert throttle.offer('a', 10.0)
    assert throttle.offer('b', 10.3)
    assert throttle.pending is None


def test_newest_wins_within_a_period_and_goes_when_the_period_is_over():
    throttle = Throttle(0.2)
    assert throttle.offer('a', 10.0)
    assert not throttle.offer('b', 10.05)
    assert not throttle.offer('c', 10.1)
    assert throttle.due(10.1) is None  # too early
    assert throttle.due(10.2) == 'c'
    assert throttle.due(10.4) is None  # nothing waits
    # A message right after a send waits for the period even if nothing else does.
    assert not throttle.offer('d', 10.25)
    assert throttle.due(10.4) == 'd'


def test_the_rate_holds_under_a_stream():
    throttle = Throttle(0.1)
    sent = []
    for tick in range(1000):  # 1 kHz for one second; a timer ticks every period
        now = tick / 1000
        if throttle.offer(tick, now):
            sent.append(now)
        if tick % 100 == 99:
            if throttle.due(now) is not None:
                sent.append(now)
    gaps = [b - a for a, b in zip(sent, sent[1:])]
    assert 9 <= len(sent) <= 11
    assert min(gaps) >= 0.1 * 0.98


def test_a_waiting_message_is_due_when_the_period_since_the_last_send_ends():
    # The timer is armed for what remains, not a whole period from when the message came:
    # a frame arriving just early is held only for the rest of the period, not lost.
    throttle = Throttle(0.2)
    assert throttle.offer('a', 10.0)
    assert not throttle.offer('b', 10.19)
    assert abs(throttle.remaining(10.19) - 0.01) < 1e-9
    assert throttle.due(10.2) == 'b'
    assert abs(throttle.remaining(10.25) - 0.15) < 1e-9
    assert throttle.remaining(11.0) == 0.0
