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

"""The connection graph without ROS: the full graph to a new subscriber, then only changes."""

import json

from core_harness import drain, handle, make_core
from foxglove_bridge_py.capabilities.connection_graph import ConnectionGraph, WatchGraph


def test_full_graph_then_changes_only_to_subscribers_and_watching_follows_them():
    core = make_core()
    first, second, bystander = (core.hub.connect(n) for n in ('1', '2', '3'))
    for session in (first, second, bystander):
        drain(session)
    subscribe = '{"op":"subscribeConnectionGraph"}'
    assert handle(core.hub, first, subscribe) == [WatchGraph(True)]
    assert handle(core.hub, first, subscribe) == []
    graph = ConnectionGraph({'/a': ('/n1',)}, {}, {})
    core.graph.update(graph)
    assert json.loads(drain(first)[0])['publishedTopics'] == [
        {'name': '/a', 'publisherIds': ['/n1']}]
    assert handle(core.hub, second, subscribe) == [WatchGraph(True)]
    core.graph.update(graph)
    assert drain(first) == []  # nothing changed for it
    assert len(drain(second)) == 1  # its full graph
    core.graph.update(ConnectionGraph({}, {}, {}))
    assert json.loads(drain(first)[0])['removedTopics'] == ['/a']
    assert drain(bystander) == []
    assert handle(core.hub, first, '{"op":"unsubscribeConnectionGraph"}') == []
    assert core.hub.disconnect(second) == [WatchGraph(False)]
