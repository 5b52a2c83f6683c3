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
The operator's page at ``GET /``: one HTML file shipped in the package, read once at start.

What the bridge serves and to whom, refreshed from ``GET /status`` every second by the page's
own script: no framework and nothing from a CDN, because a robot is often offline, and it is
laid out for a phone as well as a laptop.
"""

from __future__ import annotations

import os

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'page', 'index.html')


def operator_page() -> bytes:
    """
    Read the page.

    :return: its HTML, or a one-line page naming the missing file (a broken install).
    """
    try:
        with open(PAGE, 'rb') as page:
            return page.read()
    except OSError as exc:
        return f'<!DOCTYPE html><p>The page is missing from this install: {exc}</p>'.encode()
