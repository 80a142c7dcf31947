"""A small HTTP client for a running sandbox's admin API, for one key.

What tests, the demo and benchmarks need to stage and inspect a scenario: create a key, let a customer
write in (opens the 24-hour window), script faults, read what was sent and which requests arrived,
and click a PENDING connection's OAuth link. It speaks plain HTTP and imports none of the provider.
"""

from __future__ import annotations

import math
import time
from typing import Any

import requests

from .config import airflow_connection_json

TIMEOUT = 10.0
#: Answers of 429 waited out (for ``Retry-After``) before one is raised: a scenario's own checks
#: through the gateway share the key's rate limit with the sends under test.
RATE_LIMITED_TRIES = 10
#: The longest a ``Retry-After`` is waited for: a test should fail, not hang, on a lying answer.
MAX_RETRY_AFTER_SECONDS = 5.0


class SandboxAdminClient:
    """Admin calls against ``base_url`` with one sandbox key; ``ids`` holds the key's account ids."""

    def __init__(self, base_url: str, ids: dict[str, Any]) -> None:
        self.base_url = base_url.rstrip("/")
        self.ids = ids
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {ids['api_key']}"

    @classmethod
    def new_key(
        cls, base_url: str, *, active_connection: bool = True, label: str = "", templates: str = "minimal"
    ) -> SandboxAdminClient:
        """Create a fresh key (state of its own), by default with one ACTIVE connection; ``label`` lists
        it in the inbox, ``templates="docs"`` seeds the README's templates."""
        answer = requests.post(
            f"{base_url.rstrip('/')}/_sandbox/keys",
            json={"active_connection": active_connection, "label": label, "templates": templates},
            timeout=TIMEOUT,
        )
        answer.raise_for_status()
        return cls(base_url, answer.json())

    @property
    def api_key(self) -> str:
        """The sandbox key (a throwaway credential of the local sandbox)."""
        return str(self.ids["api_key"])

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request to ``path`` (``/_sandbox/...``, ``/connections``...) with this key; the JSON answer.

        A 429 of the key's rate limit is waited out, as the sandbox's ``Retry-After`` says."""
        for _ in range(RATE_LIMITED_TRIES):
            answer = self.session.request(method, f"{self.base_url}{path}", timeout=TIMEOUT, **kwargs)
            if answer.status_code != 429:
                break
            time.sleep(retry_after(answer.headers.get("Retry-After")))
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """Every message stored for this key, oldest first (optionally only those to ``to``)."""
        params = {"to": to} if to else None
        return list(self.call("GET", "/_sandbox/messages", params=params)["data"])

    def inbound(self, number: str, text: str = "hi") -> str:
        """The customer at ``number`` writes in, which opens the 24-hour window; the inbound wamid."""
        return str(self.call("POST", "/_sandbox/inbound", json={"from": number, "text": text})["message_id"])

    def inbox_url(self) -> str:
        """The web inbox of this key."""
        return f"{self.base_url}/?key={self.api_key}"

    def advance_clock(self, seconds: float) -> Any:
        """Move the server's clock forward (every key's time)."""
        return self.call("POST", "/_sandbox/clock", json={"advance_seconds": seconds})

    def set_faults(self, **settings: Any) -> Any:
        """Replace this key's faults, e.g. ``script=["429", "lost"]`` or ``error_rate=0.1``."""
        return self.call("PUT", "/_sandbox/faults", json=settings)

    def requests_log(self, path_suffix: str = "") -> list[dict[str, Any]]:
        """Gateway and control requests received with this key, optionally those whose path ends so."""
        entries = self.call("GET", "/_sandbox/requests")["data"]
        return [entry for entry in entries if str(entry["path"]).endswith(path_suffix)]

    def request_outcomes(self) -> dict[str, int]:
        """How many gateway and control requests of this key ended in each outcome (``ok``,
        ``rate_limited``, ``500``, ``drop``, ``lost``...), all of them since the key's last reset."""
        return dict(self.call("GET", "/_sandbox/requests/counts")["outcomes"])

    def cdn_requests(self) -> list[dict[str, Any]]:
        """Media downloads from the fake CDN, with the headers each carried."""
        return list(self.call("GET", "/_sandbox/cdn-requests")["data"])

    def connections(self, status: str | None = None) -> list[dict[str, Any]]:
        """This key's Maton connections, optionally only those in ``status``."""
        params = {"status": status} if status else None
        return list(self.call("GET", "/connections", params=params)["connections"])

    def open_oauth_page(self, connection: dict[str, Any]) -> None:
        """What a person finishing OAuth does: open the connection's ``url`` (turns it ACTIVE)."""
        requests.get(connection["url"], timeout=TIMEOUT).raise_for_status()

    def fail_connection(self, connection_id: str) -> None:
        """Turn a connection FAILED, as when the OAuth grant is refused."""
        self.call("POST", f"/_sandbox/connections/{connection_id}/fail")

    def airflow_connection_json(self, *, api_key: str | None = None) -> str:
        """A ``maton_whatsapp`` Airflow connection to this sandbox and key, as ``AIRFLOW_CONN_...`` JSON."""
        return airflow_connection_json(
            self.base_url, api_key or self.api_key, self.ids["waba_id"], self.ids["phone_number_id"]
        )


def retry_after(header: str | None) -> float:
    """Seconds a 429's ``Retry-After`` asks for, between 0 and ``MAX_RETRY_AFTER_SECONDS``; 1 when it
    is missing or not a number of seconds (an HTTP date, garbage)."""
    try:
        seconds = float(header or "1")
    except ValueError:
        return 1.0
    if math.isnan(seconds):
        return 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
