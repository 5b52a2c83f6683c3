#!/usr/bin/env python3
# Copyright 2026 foxglove_bridge_py contributors
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""
Write docs/parameters.md from the one parameter table (``foxglove_bridge_py.config.PARAMETERS``).

The page is generated so that it cannot drift from the node: ``test/test_docs.py`` checks that
the file is what this script writes. Run it after changing a parameter:
``python scripts/parameters_doc.py`` (``--check`` only compares).
"""

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from foxglove_bridge_py.config import PARAMETERS  # noqa: E402

PAGE = ROOT / 'docs' / 'parameters.md'
INTRO = """# Parameters

Every launch argument is the node parameter of the same name; `config/foxglove_bridge.yaml`
restates them all with their defaults. Regular-expression lists match the whole name,
case-insensitively; an invalid pattern is a start-up error that names it. What the C++ bridge's
parameters mean here, and the differences on purpose, are in
[features.md](features.md#moving-from-the-c-bridge).

This page is generated from the node's parameter table by `scripts/parameters_doc.py`.

| parameter | default | meaning |
|---|---|---|
"""
USE_SIM_TIME = ('| `use_sim_time` | `false` | Standard ROS parameter: message log times come '
                'from `/clock`. |')


def default_text(value):
    """Write a default as the YAML file and launch files spell it."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(default_text(v) for v in value) + ']'
    return repr(value)


def page():
    """Return the page's text."""
    rows = []
    for spec in PARAMETERS:
        default = default_text(spec.default).replace('|', '\\|')
        rows.append(f'| `{spec.name}` | `{default}` | {spec.description} |')
    return INTRO + '\n'.join(rows + [USE_SIM_TIME]) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true', help='only say whether it is current')
    args = parser.parse_args()
    text = page()
    if args.check:
        current = PAGE.read_text() if PAGE.exists() else ''
        print('docs/parameters.md is current' if current == text else
              'docs/parameters.md is out of date: run python scripts/parameters_doc.py')
        return 0 if current == text else 1
    PAGE.write_text(text)
    print(f'wrote {PAGE.relative_to(ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
