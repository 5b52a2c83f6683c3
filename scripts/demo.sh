#!/usr/bin/env bash
# Copyright 2026 foxglove_bridge_py contributors
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Start the bridge with built-in demo data on ws://localhost:8765 (set up on first use).
# Extra arguments go to the bridge, e.g.:  scripts/demo.sh --ros-args -p port:=9000
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
. "$root/scripts/common.sh"
use_workspace
echo "demo: open the Foxglove app, 'Open connection', Foxglove WebSocket, ws://localhost:8765"
exec "$root/.ws/$distro/install/foxglove_bridge_py/lib/foxglove_bridge_py/foxglove_bridge" \
  --demo "$@"
