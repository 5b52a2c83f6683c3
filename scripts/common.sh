# Copyright 2026 foxglove_bridge_py contributors
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Shared by the scripts: sourced, not run.

# True when a real ROS 2 install is sourced; this repository's own venvs, which also set
# ROS_DISTRO and make rclpy importable, do not count.
system_ros() {
  [ -n "${ROS_DISTRO:-}" ] || return 1
  local where
  where=$(python3 -c 'import os, rclpy; print(os.path.realpath(rclpy.__file__))' 2>/dev/null) \
    || return 1
  case "$where" in "$root"/*) return 1 ;; esac
  return 0
}
