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
Twins: small channels made from big topics, for links that cannot carry the raw ones.

A camera's ``sensor_msgs/msg/Image`` topic gets ``<topic>/foxglove/jpeg``, a CompressedImage
(JPEG, or 16-bit PNG for depth); a lidar's ``sensor_msgs/msg/PointCloud2`` topic gets
``<topic>/foxglove/downsampled``. The names cannot collide with image_transport's
``<topic>/compressed``. A twin is advertised wherever its source topic is (the whitelists and
the hidden rule apply to the source), and costs nothing until a client subscribes to it: only
then does the bridge subscribe to the source and encode. :class:`TwinPlan` says which twins
exist; :class:`TwinEncoder` makes their messages on the encoder thread. Pure: the codecs need
Pillow and numpy, whose absence turns the twins that need them off with one warning.
"""

from __future__ import annotations

from dataclasses import dataclass
import importlib.util
import re
from typing import Callable, Iterable, Optional, Protocol

from foxglove_bridge_py.ros_rules.names import matches_any
from foxglove_bridge_py.twins.cdr import CdrError
from foxglove_bridge_py.twins.cloud_codec import downsample_cloud
from foxglove_bridge_py.twins.image_codec import image_twin
from foxglove_bridge_py.twins.video_codec import COMPRESSED_VIDEO_DEFINITION, COMPRESSED_VIDEO_TYPE
from foxglove_bridge_py.twins.video_codec import VideoStream

IMAGE_TYPE = 'sensor_msgs/msg/Image'
CLOUD_TYPE = 'sensor_msgs/msg/PointCloud2'
COMPRESSED_IMAGE_TYPE = 'sensor_msgs/msg/CompressedImage'
IMAGE_TWIN_SUFFIX = '/foxglove/jpeg'
VIDEO_TWIN_SUFFIX = '/foxglove/h264'
CLOUD_TWIN_SUFFIX = '/foxglove/downsampled'


class Codec(Protocol):
    """Makes one twin's messages; it may keep state between them (a video stream does)."""

    def encode(self, cdr: bytes) -> Optional[bytes]:
        """Source CDR in, twin CDR out; None for a message no twin carries; raises CdrError."""

    def close(self) -> None:
        """Let go of whatever the codec holds (the twin's last subscriber left)."""


@dataclass(frozen=True)
class Stateless:
    """A codec that is one function of each message (JPEG, PNG, downsampling)."""

    encode: Callable[[bytes], Optional[bytes]]

    def close(self) -> None:
        """Hold nothing."""


@dataclass(frozen=True)
class TwinKind:
    """How the twins of one source type are named, limited and made."""

    suffix: str
    schema_name: str
    whitelist: tuple
    period: float
    """Least seconds between two twin messages (0: no limit)."""
    start: Callable[[], Codec]
    """Makes the codec of one subscription to the twin, on the encoder thread."""
    definition: str = ''
    """The schema when the twin's type may not be installed (foxglove_msgs); else ''."""
    stands_alone: bool = True
    """Each message is whole by itself (a JPEG, a cloud), so a newer one may replace one that
    waits; not so a video stream's frames, each of which the next is decoded against."""


@dataclass(frozen=True)
class Twin:
    """One twin channel: the topic it is made from, and its kind."""

    topic: str
    source_topic: str
    source_type: str
    kind: TwinKind

    @property
    def key(self) -> tuple[str, str]:
        """
        Give the twin channel's ``(topic, schema name)``, as channels are keyed.

        :return: the key.
        """
        return (self.topic, self.kind.schema_name)


def _period(rate: float) -> float:
    return 1.0 / rate if rate > 0 else 0.0


def missing_modules(modules: Iterable[str]) -> list[str]:
    """
    Name the modules of a list that are not installed.

    They are looked for, not imported: importing PyAV alone takes 0.3 s and 18 MB, which a
    bridge that nobody watches through a twin should not pay. A module that is installed but
    fails to import shows when a twin is first encoded, as that twin's status.

    :param modules: top-level module names.
    :return: those not found.
    """
    missing = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # ValueError: set to None in sys.modules
            found = False
        if not found:
            missing.append(module)
    return missing


@dataclass(frozen=True, kw_only=True)
class TwinSettings:
    """
    What the twins take of the parameters (``image_twin_*``, ``video_twin_*``, ...).

    Each field is named as its parameter and given by keyword, so two values swapped where it
    is built are a type error or read as wrong, not passed on quietly.
    """

    image_twins: bool
    video_twins: bool
    cloud_twins: bool
    image_twin_topic_whitelist: tuple[re.Pattern[str], ...]
    image_twin_quality: int
    image_twin_max_rate: float
    video_twin_bitrate: int
    cloud_twin_topic_whitelist: tuple[re.Pattern[str], ...]
    cloud_twin_max_points: int
    cloud_twin_max_rate: float


class TwinPlan:
    """Which topics get twins, from the parameters and the installed codecs."""

    def __init__(self, config: TwinSettings, *,
                 missing: Callable[[Iterable[str]], list[str]] = missing_modules) -> None:
        """
        Decide which kinds of twin this bridge offers; :attr:`warnings` says what is off and why.

        :param config: ``image_twins``, ``cloud_twins`` and their settings.
        :param missing: names the modules among those given that are not installed.
        """
        self._missing = missing
        self.warnings: list[str] = []
        self._kinds: dict[str, list[TwinKind]] = {IMAGE_TYPE: [], CLOUD_TYPE: []}
        quality, max_points = config.image_twin_quality, config.cloud_twin_max_points
        image_rate, bitrate = config.image_twin_max_rate, config.video_twin_bitrate
        images, period = config.image_twin_topic_whitelist, _period(image_rate)
        if config.image_twins and self._available(
                'image', ['PIL', 'numpy'],
                'python3-pil and python3-numpy (pip install pillow numpy)'):
            self._kinds[IMAGE_TYPE].append(TwinKind(
                IMAGE_TWIN_SUFFIX, COMPRESSED_IMAGE_TYPE, images, period,
                lambda: Stateless(lambda cdr: image_twin(cdr, quality))))
        if config.video_twins and self._available(
                'video', ['av', 'numpy'], 'PyAV (pip install av; python3-av on Ubuntu)'):
            self._kinds[IMAGE_TYPE].append(TwinKind(
                VIDEO_TWIN_SUFFIX, COMPRESSED_VIDEO_TYPE, images, period,
                lambda: VideoStream(image_rate, bitrate), COMPRESSED_VIDEO_DEFINITION,
                stands_alone=False))
        if config.cloud_twins and self._available(
                'point cloud', ['numpy'], 'python3-numpy (pip install numpy)'):
            self._kinds[CLOUD_TYPE].append(TwinKind(
                CLOUD_TWIN_SUFFIX, CLOUD_TYPE, config.cloud_twin_topic_whitelist,
                _period(config.cloud_twin_max_rate),
                lambda: Stateless(lambda cdr: downsample_cloud(cdr, max_points))))

    def _available(self, kind: str, modules: list[str], install: str) -> bool:
        absent = self._missing(modules)
        if absent:
            self.warnings.append(f'{kind} twins are off: {", ".join(absent)} is not installed; '
                                 f'install {install}')
        return not absent

    def twins(self, channels: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Twin]:
        """
        Give the twins of a set of advertised channels.

        A twin whose name a real topic of the same type already has is left out: the real
        topic wins.

        :param channels: the advertised ``(topic, type)`` pairs.
        :return: the twins, by their own ``(topic, type)``.
        """
        advertised = set(channels)
        made = {}
        for topic, type_name in advertised:
            for kind in self._kinds.get(type_name, ()):
                if not matches_any(kind.whitelist, topic):
                    continue
                twin = Twin(topic + kind.suffix, topic, type_name, kind)
                if twin.key not in advertised:
                    made[twin.key] = twin
        return made


class TwinEncoder:
    """Makes twin messages; used on the encoder thread only."""

    def __init__(self, deliver: Callable[[int, int, int, bytes], None],
                 problem: Callable[[int, str], None], solved: Callable[[int], None],
                 wanted: Callable[[int], bool] = lambda channel_id: True) -> None:
        """
        Name where the results go.

        :param deliver: takes ``(channel_id, sequence, log_time_ns, payload)`` of a twin.
        :param problem: takes ``(channel_id, message)`` when a source message cannot be
            encoded; called once per change of message, not for every frame.
        :param solved: takes a channel id whose problem went away.
        :param wanted: tells whether some client could take a new message of a twin now; a
            frame no client can take is skipped, not encoded.
        """
        self._deliver = deliver
        self._problem = problem
        self._solved = solved
        self._failing: dict[int, str] = {}
        self._codecs: dict[int, Codec] = {}
        self._wanted = wanted
        self.encoded = 0
        """Messages encoded so far, failures included: the work done."""
        self.skipped = 0
        """Source messages not encoded because every client still had one waiting."""

    def encode(self, twin: Twin, channel_id: int, sequence: int, log_time: int,
               data: bytes) -> None:
        """
        Make one twin message and deliver it, or report why it cannot be made.

        :param twin: the twin.
        :param channel_id: the twin's channel.
        :param sequence: the source message's sequence number.
        :param log_time: its receive time in nanoseconds.
        :param data: its CDR bytes.
        """
        if not self._wanted(channel_id):
            self.skipped += 1
            return
        self.encoded += 1
        codec = self._codecs.get(channel_id)
        if codec is None:
            codec = self._codecs[channel_id] = twin.kind.start()
        try:
            encoded = codec.encode(data)
        except (CdrError, ImportError) as exc:  # ImportError: a codec library that is broken
            self._fail(channel_id, f'{twin.topic}: cannot make a twin of a message on '
                       f'{twin.source_topic}: {exc}')
            return
        if encoded is None:
            self._fail(channel_id, f'{twin.topic}: the images on {twin.source_topic} are in an '
                       'encoding no twin carries (JPEG: rgb8, bgr8, rgba8, bgra8, mono8, 8UC1, '
                       '8UC3; PNG: mono16, 16UC1, 32FC1)')
            return
        if self._failing.pop(channel_id, None) is not None:
            self._solved(channel_id)
        self._deliver(channel_id, sequence, log_time, encoded)

    def _fail(self, channel_id: int, message: str) -> None:
        if self._failing.get(channel_id) != message:
            self._failing[channel_id] = message
            self._problem(channel_id, message)

    def forget(self, channel_id: int) -> None:
        """
        Forget a channel's codec and last problem (its subscription ended, the status too).

        :param channel_id: the channel.
        """
        self._failing.pop(channel_id, None)
        codec = self._codecs.pop(channel_id, None)
        if codec is not None:
            codec.close()
