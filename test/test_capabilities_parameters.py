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

"""Parameters without ROS: requests become effects, answers and updates reach who asked."""

import json

from core_harness import drain, handle, make_core
from foxglove_bridge_py.capabilities.parameters import GetParams, Parameter, SetParams


def test_get_and_set_become_effects_and_are_answered_to_the_asker():
    core = make_core()
    asker, other = core.hub.connect('asker'), core.hub.connect('other')
    drain(asker), drain(other)
    assert handle(
        core.hub, asker, '{"op":"getParameters","parameterNames":["/n.a"],"id":"g"}') == [
        GetParams(asker.client_id, ('/n.a',), 'g')]
    assert handle(
        core.hub, asker, '{"op":"setParameters","parameters":[{"name":"/n.a","value":2}]}') == [
        SetParams(asker.client_id, (Parameter('/n.a', 2, None),), None)]
    core.parameters.values(asker.client_id, [Parameter('/n.a', 2)], 'g')
    core.parameters.problem(asker.client_id, 'Cannot set parameter /n.b: read-only')
    assert [json.loads(f) for f in drain(asker)] == [
        {'op': 'parameterValues', 'parameters': [{'name': '/n.a', 'value': 2}], 'id': 'g'},
        {'op': 'status', 'level': 1, 'message': 'Cannot set parameter /n.b: read-only'}]
    assert drain(other) == []


def test_updates_reach_subscribers_by_name_or_all():
    core = make_core()
    by_name, everything, nobody = (core.hub.connect(n) for n in ('a', 'b', 'c'))
    for session in (by_name, everything, nobody):
        drain(session)
    handle(core.hub, by_name, '{"op":"subscribeParameterUpdates",'
                              '"parameterNames":["/n.a"]}')
    handle(core.hub, everything, '{"op":"subscribeParameterUpdates","parameterNames":[]}')
    changed = [Parameter('/n.a', 1), Parameter('/n.b', 2)]
    core.parameters.updates(changed)
    assert [p['name'] for p in json.loads(drain(by_name)[0])['parameters']] == ['/n.a']
    assert [p['name'] for p in json.loads(drain(everything)[0])['parameters']] == [
        '/n.a', '/n.b']
    assert drain(nobody) == []
    handle(core.hub, everything, '{"op":"unsubscribeParameterUpdates",'
                                 '"parameterNames":[]}')
    core.hub.disconnect(by_name)
    core.parameters.updates(changed)
    assert drain(everything) == [] and drain(by_name) == []
