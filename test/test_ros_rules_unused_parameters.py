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

"""Parameters given that the bridge does not use: the C++ bridge's extras, and typos (pure)."""

from foxglove_bridge_py.config import PARAMETER_DEFAULTS
from foxglove_bridge_py.ros_rules.unused_parameters import parameter_notes


def test_the_cpp_bridges_unused_parameters_are_named_and_typos_get_the_closest_name():
    line, warnings = parameter_notes({
        'port': 8765, 'num_threads': 0, 'remote_access': False, 'device_token': 'x',
        'point_cloud_compression_quantization_bits': 12, 'topic_whitelst': ['/a'],
        'use_sim_time': True, 'qos_overrides./tf.publisher.depth': 5, 'zzz_unrelated': 1},
        PARAMETER_DEFAULTS)
    assert line == ('parameters accepted, not used by this bridge: remote_access, device_token, '
                    'point_cloud_compression_quantization_bits')
    assert warnings == [
        'parameter topic_whitelst: not a parameter of this bridge, ignored (did you mean '
        'topic_whitelist?)',
        'parameter zzz_unrelated: not a parameter of this bridge, ignored']
    assert parameter_notes({'num_threads': 4}, PARAMETER_DEFAULTS)[0] == (
        'parameters accepted, not used by this bridge: num_threads')
    assert parameter_notes({}, PARAMETER_DEFAULTS) == (None, [])
