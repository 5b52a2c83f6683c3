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
ROS names against the bridge's rules: full-match patterns (the whitelists) and hidden names.

Every ``*_whitelist`` and ``*_allowlist`` parameter is a list of case-insensitive expressions a
name must match as a whole (``config.compile_patterns`` compiles them); a name is hidden when one
of its parts starts with an underscore, as ``ros2 topic list`` hides it.
"""

from __future__ import annotations

import re
from typing import Iterable


def matches_any(patterns: Iterable[re.Pattern], name: str) -> bool:
    """
    Tell whether a name fully matches any of the patterns.

    :param patterns: compiled patterns.
    :param name: a topic, service, parameter or URI.
    :return: True if one pattern matches the whole name.
    """
    return any(p.fullmatch(name) for p in patterns)


def is_hidden(name: str) -> bool:
    """
    Tell whether a ROS name is hidden: one of its parts starts with an underscore.

    :param name: a fully qualified topic or service name.
    :return: True if hidden.
    """
    return name.startswith('_') or '/_' in name
