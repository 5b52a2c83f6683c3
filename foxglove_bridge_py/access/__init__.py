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
Who may do what: access tokens with roles, so that a robot's bridge can leave the trusted LAN.

Without ``access_file`` anyone who reaches the port may publish, call services and set
parameters, as with the C++ bridge. With it, each client presents a token (``?token=`` in the
URL, or ``Authorization: Bearer``) whose entry in the file gives it a role, ``viewer`` or
``operator``, and whitelists that narrow the bridge-wide ones. One concept per module:

- ``grant``: a client's rights, and why a viewer is refused an op that changes the robot;
- ``table``: the access file read into a table of grants;
- ``gate``: the token a request presents, and addresses refused after failures;
- ``reload``: the file read again when it changes, and who loses rights;
- ``make_token``: the command that makes a token and its entry.

Which ops change the robot each capability declares (``acts``); the audit trail of who
changed what is the core's (``core.audit``).
"""
