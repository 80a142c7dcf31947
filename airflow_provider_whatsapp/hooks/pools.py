"""HTTP connection pools, one per origin, on urllib3: every request of the hook goes through them.

A request goes straight to its origin's pool. A ``requests.Session`` would, on every call, merge
headers, look the pool up again, copy cookies and wrap the answer: at a thousand sends a second that
cost more CPU than the rest of a send. Each origin's route is worked out once:

* its proxy, from the environment as requests reads it (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``...);
  http(s) proxies only, with credentials in their URL sent as ``Proxy-Authorization``;
* TLS verified against the CA bundle named by ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` (a file or
  a folder), else certifi's, as requests does.

Nothing else is read from the environment (no ``.netrc``, which would replace the Authorization header).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import certifi
import urllib3
from requests.utils import get_environ_proxies, select_proxy
from urllib3.connectionpool import HTTPConnectionPool, connection_from_url
from urllib3.response import BaseHTTPResponse
from urllib3.util import parse_url

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

#: Connections kept open per origin: the bulk sender's threads, with room.
POOL_SIZE = 16
#: Origins remembered at most (the gateway, the control plane, a CDN or two): a server handing out
#: URLs on ever new hosts cannot make the client hold ever more sockets.
MAX_ORIGINS = 16


@dataclass(frozen=True)
class Route:
    """How requests to one origin go out: to its own pool (path and query), or through a proxy
    manager (the whole URL: it adds the proxy's headers and tunnels https)."""

    opener: HTTPConnectionPool | urllib3.PoolManager
    whole_url: bool

    def close(self) -> None:
        if isinstance(self.opener, HTTPConnectionPool):
            self.opener.close()
        else:
            self.opener.clear()


class ConnectionPools:
    """Routes per origin, built on first use and shared by threads (urllib3's pools are thread-safe)."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str, int | None], Route] = {}
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: urllib3.Timeout,
    ) -> BaseHTTPResponse:
        """One request, never retried or redirected here. The answer's body is left unread: the caller
        reads it and gives the connection back. Raises urllib3's errors (:mod:`.transport` tells which
        ones reached nobody)."""
        parts = parse_url(url)
        origin = (parts.scheme or "", parts.host or "", parts.port)
        route = self._routes.get(origin) or self._route(origin, url)
        options: dict[str, Any] = {
            "body": body,
            "headers": headers,
            "timeout": timeout,
            "retries": False,
            "redirect": False,
            "preload_content": False,
        }
        if route.whole_url:
            return route.opener.urlopen(method, url, **options)
        return route.opener.urlopen(method, parts.request_uri, assert_same_host=False, **options)

    def close(self) -> None:
        """Close every pooled connection; a later request opens new ones."""
        with self._lock:
            routes, self._routes = list(self._routes.values()), {}
        for route in routes:
            route.close()

    def _route(self, origin: tuple[str, str, int | None], url: str) -> Route:
        with self._lock:
            if origin in self._routes:
                return self._routes[origin]
            route = self._new_route(url)
            if len(self._routes) >= MAX_ORIGINS:
                # the first one built is dropped, not closed: a thread may be sending through it
                del self._routes[next(iter(self._routes))]
            self._routes[origin] = route
            return route

    def _new_route(self, url: str) -> Route:
        proxy = select_proxy(url, get_environ_proxies(url))
        if not proxy:
            tls = tls_settings() if url.lower().startswith("https:") else {}
            return Route(connection_from_url(url, maxsize=POOL_SIZE, **tls), whole_url=False)
        if "://" not in proxy:
            proxy = f"http://{proxy}"  # as requests reads "proxy.example:3128"
        # TLS to the gateway (tunnelled) or to an https proxy is checked like any other
        secure = url.lower().startswith("https:") or proxy.lower().startswith("https:")
        tls = tls_settings() if secure else {}
        auth = parse_url(proxy).auth or ""
        user, has_password, _ = auth.partition(":")
        # as requests: credentials only as user and password (a user alone sends none)
        headers = urllib3.make_headers(proxy_basic_auth=unquote(auth)) if user and has_password else None
        manager = urllib3.ProxyManager(
            proxy, num_pools=MAX_ORIGINS, maxsize=POOL_SIZE, proxy_headers=headers, **tls
        )
        return Route(manager, whole_url=True)


def tls_settings() -> dict[str, Any]:
    """Certificate checks for https pools: the CA bundle the environment names, else certifi's.

    A named bundle that is not there is refused here: TLS would fail before the handshake, in a way
    that does not tell that nothing was sent.
    """
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        bundle = os.environ.get(variable)
        if bundle:
            if not os.path.exists(bundle):
                raise WhatsAppValidationError([(variable, f"names no file or folder: {bundle}")])
            break
    else:
        bundle = certifi.where()
    where = "ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"
    return {"cert_reqs": "CERT_REQUIRED", where: bundle}
