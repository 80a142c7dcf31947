"""Ids that become URL path segments, checked before any request is built.

A phone number id, WABA id, media id or template id is a Graph object id: digits only. A Maton
connection id is a UUID. Anything else (``..``, ``/``, ``#``, ``%2F``...) could point a request that
carries the Maton key at another path of the gateway, so it is refused with the field's name.
"""

from __future__ import annotations

import re

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

#: Graph object ids are decimal numbers (15 to 17 digits today); 32 leaves room and bounds the input.
_GRAPH_ID = re.compile(r"[0-9]{1,32}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: Graph API versions as they appear in the path: ``v21.0``.
_API_VERSION = re.compile(r"v[0-9]{1,3}\.[0-9]{1,3}")

GRAPH_ID_RULE = "must be a Graph object id (digits only)"
CONNECTION_ID_RULE = "must be a Maton connection id (a UUID)"
API_VERSION_RULE = "must be a Graph API version such as v21.0"


def _checked(value: object, pattern: re.Pattern[str], field: str, rule: str) -> str:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not pattern.fullmatch(text):
        raise WhatsAppValidationError([(field, rule)])
    return text


def graph_id(value: object, field: str) -> str:
    """``value`` as a Graph object id (``106540352242922``; an int is accepted), else the field's error."""
    return _checked(value, _GRAPH_ID, field, GRAPH_ID_RULE)


def connection_id(value: object, field: str = "connection_id") -> str:
    """``value`` as a Maton connection id (a UUID), else the field's error."""
    return _checked(value, _UUID, field, CONNECTION_ID_RULE)


def api_version(value: object, field: str = "api_version") -> str:
    """``value`` as a Graph API version (``v21.0``), else the field's error."""
    return _checked(value, _API_VERSION, field, API_VERSION_RULE)
