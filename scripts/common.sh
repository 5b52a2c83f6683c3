# Copyright 2026 foxglove_bridge_py contributors
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Shared by the scripts: sourced, not run.

# True when a real ROS 2 install is sourced. Venvs of PyPI ROS wheels (this repository's or
# another checkout's), which also set ROS_DISTRO and make rclpy importable, do not count.
system_ros() {
  [ -n "${ROS_DISTRO:-}" ] || return 1
  python3 - <<'PY' 2>/dev/null
import importlib.util
import sys
rclpy = importlib.util.find_spec('rclpy')
wheels = importlib.util.find_spec('ros_wheels_bootstrapper')
sys.exit(0 if rclpy is not None and wheels is None else 1)
PY
}

# Set up this workspace (the sourced ROS 2, else the Kilted wheels) and enter its environment.
use_workspace() {
  if system_ros; then distro=$ROS_DISTRO; else distro=${FOXGLOVE_BRIDGE_DISTRO:-kilted}; fi
  bash "$root/scripts/setup.sh" "$distro"
  set +u
  # shellcheck disable=SC1090
  . "$root/.ws/$distro/env.sh"
}
