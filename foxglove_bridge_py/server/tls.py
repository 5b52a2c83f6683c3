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

"""TLS for ``tls:=true``: the server's certificate and key, loaded once at start-up."""

from __future__ import annotations

import ssl

from foxglove_bridge_py.config import ConfigError


def tls_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """
    Build the server's TLS context.

    :param certfile: the certificate chain (PEM).
    :param keyfile: its private key (PEM).
    :return: the context.
    :raises ConfigError: if the certificate or key cannot be loaded.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f'parameters certfile/keyfile: cannot load {certfile!r} and '
                          f'{keyfile!r}: {exc}') from None
    return context
