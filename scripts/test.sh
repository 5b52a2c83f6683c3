#!/usr/bin/env bash
# Copyright 2026 foxglove_bridge_py contributors
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Run the whole test suite, as `colcon test` runs it, on every ROS 2 distro available here:
# the sourced ROS 2 if there is one, else the Kilted and Jazzy wheels from PyPI (each set up
# on first use by scripts/setup.sh). Exits non-zero if any test fails.
#
#   scripts/test.sh [distro ...]          e.g. scripts/test.sh kilted
#   PYTEST_ARGS='-k session' scripts/test.sh kilted
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/common.sh
. "$root/scripts/common.sh"
if [ $# -gt 0 ]; then
  distros=("$@")
elif system_ros; then
  distros=("$ROS_DISTRO")
else
  distros=(kilted jazzy)
fi

status=0
for distro in "${distros[@]}"; do
  echo "=== tests on ROS 2 $distro"
  bash scripts/setup.sh "$distro"
  envfile="$root/.ws/$distro/env.sh"
  (
    set +u
    # shellcheck disable=SC1090
    . "$envfile"
    # A DDS domain of this run's own, so that concurrent runs never see each other's topics.
    export ROS_DOMAIN_ID=$(( (RANDOM % 100) + 1 ))
    export FOXGLOVE_REQUIRE_INSTALLED=1
    # Kilted runs on the EventsExecutor; Jazzy, with websockets 10.4, on the
    # SingleThreadedExecutor, which is what Humble has.
    if [ "$distro" = jazzy ]; then export FOXGLOVE_BRIDGE_EXECUTOR=single; fi
    rm -rf ".ws/$distro/build/foxglove_bridge_py/test_results"
    colcon --log-base ".ws/$distro/log" test --base-paths "$root" \
      --build-base ".ws/$distro/build" --install-base ".ws/$distro/install" \
      --event-handlers console_direct+ --return-code-on-test-failure \
      --pytest-args -p no:cacheprovider ${PYTEST_ARGS:-}
  ) || status=1
done

# One closing line over every distro's run, from the JUnit reports colcon test wrote.
python3 - "${distros[@]}" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
totals = {'passed': 0, 'failed': 0, 'skipped': 0}
for distro in sys.argv[1:]:
    for report in Path('.ws', distro, 'build').glob('foxglove_bridge_py/**/*.xml'):
        try:
            root = ET.parse(report).getroot()
        except ET.ParseError:
            continue
        for suite in root.iter('testsuite'):
            tests = int(suite.get('tests', 0))
            failed = int(suite.get('failures', 0)) + int(suite.get('errors', 0))
            skipped = int(suite.get('skipped', 0))
            totals['passed'] += tests - failed - skipped
            totals['failed'] += failed
            totals['skipped'] += skipped
print(f"all distros: {totals['passed']} passed, {totals['failed']} failed, "
      f"{totals['skipped']} skipped")
PY
exit $status
