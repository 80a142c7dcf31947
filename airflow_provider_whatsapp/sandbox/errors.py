"""Error answers in the two shapes a client meets: Graph's (passed through) and Maton's own.

Graph errors carry an integer ``code``; Maton's (401 bad key, 400 no connection) and the sandbox's admin
errors do not, so clients can tell them apart.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import JSONResponse


def fbtrace_id() -> str:
    """A random trace id shaped like Graph's ``fbtrace_id``."""
    return "A" + secrets.token_urlsafe(16)[:22]


class GraphError(Exception):
    """A Graph API error; the app answers it as ``{"error": {...}}`` with ``status``."""

    def __init__(
        self,
        code: int,
        message: str,
        details: str = "",
        *,
        error_subcode: int | None = None,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.error_subcode = error_subcode
        self.status = status
        self.headers = headers

    def body(self) -> dict[str, Any]:
        """Graph's error body, with a fresh ``fbtrace_id``."""
        error: dict[str, Any] = {"message": self.message, "type": "OAuthException", "code": self.code}
        if self.error_subcode is not None:
            error["error_subcode"] = self.error_subcode
        error["error_data"] = {"messaging_product": "whatsapp", "details": self.details or self.message}
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}

    def response(self) -> JSONResponse:
        """The HTTP answer for this error."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


class PlainError(Exception):
    """An error that is not Graph's: ``{"error": {"message", "type"}}`` without a ``code``."""

    def __init__(self, status: int, message: str, error_type: str = "SandboxError") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type

    def response(self) -> JSONResponse:
        """The HTTP answer for this error."""
        body = {"error": {"message": self.message, "type": self.error_type}}
        return JSONResponse(body, status_code=self.status)


def maton_error(status: int, message: str) -> PlainError:
    """An error raised by Maton's gateway or control plane itself (type ``MatonError``)."""
    return PlainError(status, message, "MatonError")


def invalid_parameter(details: str, *, error_subcode: int | None = None) -> GraphError:
    """Graph's generic 400 ``(#100) Invalid parameter``."""
    return GraphError(100, "(#100) Invalid parameter", details, error_subcode=error_subcode)


def unknown_object(object_id: str, method: str) -> GraphError:
    """Graph's answer for an id that does not exist or is not visible to this account: 400, 100/33."""
    message = (
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the Graph "
        "API documentation at https://developers.facebook.com/docs/graph-api"
    )
    return GraphError(100, message, message, error_subcode=33)


def rate_limited(retry_after: int) -> GraphError:
    """The 429 answered when the per-key token bucket is empty (or a scripted 429)."""
    return GraphError(
        80007,
        "(#80007) Rate limit hit",
        "Too many requests; slow down and retry after the Retry-After header's seconds",
        status=429,
        headers={"Retry-After": str(retry_after)},
    )
