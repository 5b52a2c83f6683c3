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
The ROS 2 distribution the bridge runs on, and what its rclpy offers.

The app switches to its ROS mode (ROS message types, ROS time) only when this is set. A setup
script sets the ``ROS_DISTRO`` variable, but a bridge started without one (a pip-wheel install,
a service unit) has none; then the installed rclpy's version tells the distribution, since each
distribution ships its own major version of rclpy. The executor is the fastest that
distribution's rclpy has.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Mapping, Optional, TYPE_CHECKING

if TYPE_CHECKING:  # rclpy is imported where it is used, and untyped
    from rclpy.context import Context
    from rclpy.executors import Executor

RCLPY_MAJOR_TO_DISTRO: Mapping[int, str] = {
    3: 'humble', 4: 'iron', 7: 'jazzy', 9: 'kilted'}
"""rclpy's major version in each released distribution."""


def distro_of_rclpy_version(version: str) -> str:
    """
    Name the distribution that ships a version of rclpy.

    :param version: e.g. ``9.1.2``.
    :return: e.g. ``kilted``; ``rolling`` for a major version no release has; '' if unreadable.
    """
    match = re.match(r'(\d+)\.', version)
    if match is None:
        return ''
    return RCLPY_MAJOR_TO_DISTRO.get(int(match.group(1)), 'rolling')


def _installed_rclpy_version() -> Optional[str]:
    try:
        from ament_index_python.packages import get_package_share_directory
        with open(os.path.join(get_package_share_directory('rclpy'), 'package.xml')) as f:
            match = re.search(r'<version>\s*([^<\s]+)\s*</version>', f.read())
        if match is not None:
            return match.group(1)
    except (ImportError, LookupError, OSError):
        pass
    try:
        from importlib import metadata
        return metadata.version('rclpy')
    except Exception:  # noqa: B902 - no metadata is as good as none
        return None


def ros_distro(environ: Mapping[str, str] = os.environ,
               rclpy_version: Callable[[], Optional[str]] = _installed_rclpy_version) -> str:
    """
    Return the ROS 2 distribution: ``ROS_DISTRO`` if set, else the installed rclpy's.

    :param environ: the environment.
    :param rclpy_version: tells the installed rclpy's version.
    :return: the distribution's name, or '' if neither tells.
    """
    distro = environ.get('ROS_DISTRO', '')
    if distro:
        return distro
    version = rclpy_version()
    return distro_of_rclpy_version(version) if version else ''


def make_executor(context: Context) -> Executor:
    """
    Return the fastest executor this rclpy has that works here.

    rclpy's EventsExecutor (Jazzy on) dispatches from a C++ event queue instead of rebuilding
    a wait set for every message, which makes many small messages several times cheaper.
    Humble has only the SingleThreadedExecutor. ``FOXGLOVE_BRIDGE_EXECUTOR=single`` forces
    the latter.

    :param context: the rclpy context.
    :return: the executor.
    """
    from rclpy.executors import SingleThreadedExecutor

    if os.environ.get('FOXGLOVE_BRIDGE_EXECUTOR', 'events') == 'events':
        try:
            from rclpy.experimental import EventsExecutor
        except ImportError:
            pass
        else:
            return EventsExecutor(context=context)
    return SingleThreadedExecutor(context=context)
