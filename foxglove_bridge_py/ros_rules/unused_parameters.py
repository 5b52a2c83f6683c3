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
Parameters given to the node that it does not use: the C++ bridge's extras, and typos.

rclpy keeps every override given to a node, declared or not, without a word: a launch file
written for the C++ bridge 3.5 sets parameters this bridge has no use for, and a misspelt name
(``topic_whitelst``) would silently leave its default in force. Pure: the node passes its
table's defaults (``config.PARAMETER_DEFAULTS``), so the rule imports no settings.
"""

from __future__ import annotations

import difflib
from typing import Mapping, Optional

ACCEPTED_UNUSED = ('num_threads', 'disable_load_message', 'remote_access', 'device_token',
                   'foxglove_api_url', 'video_encoder', 'max_data_track_message_size',
                   'video_transcode_topic_denylist', 'point_cloud_compression_topic_denylist',
                   'point_cloud_compression_quantization_bits')
"""Parameters of the C++ bridge 3.5 that this bridge accepts and does not use: its thread count,
its loaned messages, and its remote access through Foxglove's cloud (with the video and point
cloud compression that serves)."""
ROS_PARAMETERS = frozenset({'use_sim_time', 'start_type_description_service', 'actual_port'})
"""Parameters every rclpy node has, and the one the bridge publishes itself."""


def parameter_notes(given: Mapping[str, object], declared: Mapping[str, object]
                    ) -> tuple[Optional[str], list[str]]:
    """
    Say what becomes of the parameters given to the node that it does not use.

    A launch file written for the C++ bridge may set its parameters that this bridge has no use
    for; a typo such as ``topic_whitelst`` would otherwise be ignored without a word.

    :param given: the parameters given (command line, files, launch), by name.
    :param declared: the bridge's own parameters and their defaults, by name.
    :return: one line naming the accepted but unused ones (None if none), and one warning per
        unknown parameter, naming the closest declared name.
    """
    unused = [name for name in ACCEPTED_UNUSED if name in given
              and (name not in declared or given[name] != declared[name])]
    warnings = []
    for name in sorted(given):
        if (name in declared or name in ACCEPTED_UNUSED or name in ROS_PARAMETERS
                or name.startswith('qos_overrides.')):
            continue
        close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.6)
        hint = f' (did you mean {close[0]}?)' if close else ''
        warnings.append(f'parameter {name}: not a parameter of this bridge, ignored{hint}')
    line = (f'parameters accepted, not used by this bridge: {", ".join(unused)}' if unused
            else None)
    return line, warnings
