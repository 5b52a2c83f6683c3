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

"""Asset requests without ROS: effects, answers outside the control budget, and the cap."""

from core_harness import drain, handle, make_core
from foxglove_bridge_py.capabilities.assets import (fetch_asset_response, MAX_REQUESTS_PER_CLIENT,
                                                    ReadAsset)


def test_requests_become_effects_up_to_the_cap_and_answers_free_a_place():
    core = make_core()
    session = core.hub.connect('c')
    drain(session)
    request = '{"op":"fetchAsset","uri":"package://p/m.stl","requestId":%d}'
    for request_id in range(MAX_REQUESTS_PER_CLIENT):
        assert handle(core.hub, session, request % request_id) == [
            ReadAsset(session.client_id, 'package://p/m.stl', request_id)]
    assert handle(core.hub, session, request % 5000) == []
    assert drain(session) == [fetch_asset_response(
        5000, error='Too many requests: 1024 asset requests are already waiting')]
    core.assets.done(session.client_id, 0, data=b'mesh')
    assert drain(session) == [fetch_asset_response(0, data=b'mesh')]
    assert session.send_queue.control_bytes == 0  # a reply, outside the control budget
    assert handle(core.hub, session, request % 6000) == [
        ReadAsset(session.client_id, 'package://p/m.stl', 6000)]
