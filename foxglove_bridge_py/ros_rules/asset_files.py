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
Assets (URDF meshes and the like) for ``fetchAsset``: ``package://`` and ``file://`` URIs.

A URI is served only when it fully matches ``asset_uri_allowlist``, contains no ``..`` (also
percent-encoded), and still does after symbolic links are resolved: a ``package://`` file must
stay inside its package's share directory, a ``file://`` file must still match the allowlist.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Iterable
from urllib.parse import unquote

from foxglove_bridge_py.ros_rules.names import matches_any

MAX_ASSET_SIZE = 64 * 1024 * 1024
"""Largest asset served, in bytes: meshes are megabytes, not gigabytes."""

PackageShare = Callable[[str], str]
"""Returns a package's share directory; raises LookupError if there is no such package."""


class AssetError(Exception):
    """An asset that cannot be served; the text is sent to the client."""


def resolve(uri: str, allowlist: Iterable[re.Pattern], package_share: PackageShare) -> str:
    """
    Find the file an asset URI names, refusing anything outside what is allowed.

    :param uri: ``package://pkg/path`` or ``file:///absolute/path``.
    :param allowlist: compiled ``asset_uri_allowlist`` patterns.
    :param package_share: finds a package's share directory.
    :return: the file's real path.
    :raises AssetError: saying why the asset is refused or missing.
    """
    allowlist = tuple(allowlist)
    decoded = unquote(uri)
    if '..' in uri or '..' in decoded:
        raise AssetError(f'Asset URI {uri!r} is refused: it contains ".."')
    if not matches_any(allowlist, uri):
        raise AssetError(f'Asset URI {uri!r} is not allowed by asset_uri_allowlist')
    if decoded.startswith('package://'):
        path = _package_file(uri, decoded[len('package://'):], package_share)
    elif decoded.startswith('file://'):
        path = _file(uri, decoded[len('file://'):], allowlist)
    else:
        raise AssetError(f'Asset URI {uri!r} is not supported: use package:// or file://')
    if not os.path.isfile(path):
        raise AssetError(f'Asset {uri!r} not found')
    return path


def _package_file(uri: str, rest: str, package_share: PackageShare) -> str:
    package, _, relative = rest.partition('/')
    if not package or not relative:
        raise AssetError(f'Asset URI {uri!r} must be package://<package>/<path>')
    try:
        share = os.path.realpath(package_share(package))
    except LookupError:
        raise AssetError(f'Asset {uri!r}: package {package!r} is not installed') from None
    path = os.path.realpath(os.path.join(share, relative))
    if not path.startswith(share + os.sep):
        raise AssetError(f'Asset URI {uri!r} is refused: it leads outside its package')
    return path


def _file(uri: str, requested: str, allowlist: tuple) -> str:
    if not requested.startswith('/'):
        raise AssetError(f'Asset URI {uri!r} must name an absolute path')
    path = os.path.realpath(requested)
    # A link must not lead from an allowed name to a file the allowlist would refuse.
    if path != requested and not matches_any(allowlist, 'file://' + path):
        raise AssetError(f'Asset URI {uri!r} is refused: a link leads outside the allowed '
                         'assets')
    return path


def read(uri: str, allowlist: Iterable[re.Pattern], package_share: PackageShare,
         max_size: int = MAX_ASSET_SIZE) -> bytes:
    """
    Read an asset, refusing what :func:`resolve` refuses and files over ``max_size``.

    :param uri: the asset's URI.
    :param allowlist: compiled ``asset_uri_allowlist`` patterns.
    :param package_share: finds a package's share directory.
    :param max_size: the largest size served, in bytes.
    :return: the file's bytes.
    :raises AssetError: saying why the asset cannot be served.
    """
    path = resolve(uri, allowlist, package_share)
    try:
        with open(path, 'rb') as f:
            data = f.read(max_size + 1)
    except OSError as exc:
        raise AssetError(f'Asset {uri!r} cannot be read: {exc.strerror}') from None
    if len(data) > max_size:
        raise AssetError(f'Asset {uri!r} is larger than {max_size} bytes')
    return data
