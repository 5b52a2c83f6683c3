#!/usr/bin/env bash
# Copyright 2026 foxglove_bridge_py contributors
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Run the benchmark: the bridge against the rclpy ceiling and a foxglove-sdk forwarder, side by
# side on this machine (set up on first use; foxglove-sdk is installed for the benchmark only).
#   scripts/bench.sh [--seconds 10] [--repeat 3] [--only abcdefg] [--baseline REV] [--smoke]
# Prints a table and writes bench/results/latest.json.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
. "$root/scripts/common.sh"
use_workspace
python -c 'import foxglove' 2>/dev/null || python -m pip install -q -r "$root/bench/requirements.txt"
export ROS_DOMAIN_ID=$(( (RANDOM % 100) + 1 ))
exec python "$root/bench/run.py" "$@"
