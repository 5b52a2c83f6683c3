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
The Zenoh session of either end, with the settings remote access depends on.

Whatever a user's own Zenoh file says (TLS certificates, user and password), the session dials
only the endpoints it is given: multicast scouting and gossip are off, so a robot never
announces itself on its networks. The lease is short (``LEASE_MS``), so that each end sees the
other gone within about two seconds of a cut uplink, and a lost relay is dialled again every
``RETRY_MAX_MS`` at most. The robot's session is a Zenoh *peer* that listens nowhere: unlike a
client, a peer opens while the relay is still unreachable, and keeps dialling it.
"""

from __future__ import annotations

import json
from typing import Optional, Sequence, TYPE_CHECKING

if TYPE_CHECKING:  # optional at run time: the bridge runs without it, and says so once
    import zenoh

LEASE_MS = 2000
"""How long a silent link lives: a cut uplink is noticed within this (keep-alives at a quarter)."""
RETRY_INIT_MS = 250
RETRY_MAX_MS = 1000
MISSING = ('relay_connect needs the eclipse-zenoh package (pip install eclipse-zenoh): the '
           'relay link is off')
"""The one warning of a bridge asked to dial a relay without Zenoh."""


def zenoh_module() -> Optional[object]:
    """
    Import Zenoh if it is installed.

    :return: the module, or None.
    """
    try:
        import zenoh as module
    except ImportError:
        return None
    return module


def session_config(*, mode: str, connect: Sequence[str] = (), listen: Sequence[str] = (),
                   config_file: str = '') -> 'zenoh.Config':
    """
    Build a session's configuration: the user's file, then what remote access needs over it.

    :param mode: ``peer`` (the robot) or ``router`` (the relay's own).
    :param connect: endpoints to dial, e.g. ``tcp/relay.example.com:7447``.
    :param listen: endpoints to listen on (the relay's router).
    :param config_file: a Zenoh JSON5 file (TLS, credentials, access control); '' for none.
    :return: the configuration.
    :raises zenoh.ZError: if the file or a setting is refused.
    """
    import zenoh
    config = zenoh.Config.from_file(config_file) if config_file else zenoh.Config()
    settings = {
        'mode': mode,
        'connect/endpoints': list(connect),
        'listen/endpoints': list(listen),
        'scouting/multicast/enabled': False,
        'scouting/gossip/enabled': False,
        'transport/link/tx/lease': LEASE_MS,
        'connect/retry': {'period_init_ms': RETRY_INIT_MS, 'period_max_ms': RETRY_MAX_MS,
                          'period_increase_factor': 2},
    }
    for key, value in settings.items():
        config.insert_json5(key, json.dumps(value))
    return config


def open_zenoh_session(config: 'zenoh.Config') -> 'zenoh.Session':
    """
    Open a session (it may take half a second: call it off the loop).

    :param config: as :func:`session_config` built it.
    :return: the session.
    """
    import zenoh
    return zenoh.open(config)


def undeclare(entity: object) -> None:
    """
    Undeclare a Zenoh entity (publisher, subscriber, token, listener), if it still is.

    :param entity: the entity, or None.
    """
    undo = getattr(entity, 'undeclare', None)
    if undo is not None:
        try:
            undo()
        except Exception:  # noqa: B902 - the session may be closed already
            pass
