#!/usr/bin/env bash
# Copyright 2026 foxglove_bridge_py contributors
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Start the bridge with built-in demo data on ws://localhost:8765 (set up on first use).
# Extra arguments go to the bridge, e.g.:  scripts/demo.sh --ros-args -p port:=9000
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
distro=${FOXGLOVE_BRIDGE_DISTRO:-kilted}
bash "$root/scripts/setup.sh" "$distro"
set +u
if [ -n "${ROS_DISTRO:-}" ] && [ -f "$root/.ros-$ROS_DISTRO/env.sh" ]; then
  distro=$ROS_DISTRO; . "$root/.ros-$distro/env.sh"
elif [ "$distro" = kilted ]; then . "$root/.venv/env.sh"
else . "$root/.venv-$distro/env.sh"; fi
echo "demo: open the Foxglove app, 'Open connection', Foxglove WebSocket, ws://localhost:8765"
exec "$root/.ws/$distro/install/foxglove_bridge_py/lib/foxglove_bridge_py/foxglove_bridge" \
  --demo "$@"
