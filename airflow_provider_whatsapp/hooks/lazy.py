"""The hook as operators, sensors and the notifier hold it: built on first use, imported only then.

This module is light (standard library and the stdlib-only settings type): DAG-facing classes import it
at module top, and the hook, urllib3 and the models load when a task first uses ``self.hook``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_whatsapp.hooks.config import HookSettings

if TYPE_CHECKING:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook


def hook_settings(hook_params: Mapping[str, Any] | None) -> HookSettings:
    """``hook_params`` checked against the settings a hook takes, so a typo fails when the DAG parses."""
    params = dict(hook_params or {})
    unknown = sorted(set(params) - HookSettings.__optional_keys__)
    if unknown:
        known = ", ".join(sorted(HookSettings.__optional_keys__))
        raise TypeError(f"hook_params: unknown setting(s) {', '.join(unknown)}; known: {known}")
    return cast(HookSettings, params)


class WhatsAppHookMixin:
    """A ``hook`` property: a :class:`MatonWhatsAppHook` for ``maton_conn_id``, built after templates are
    rendered, with ``hook_params`` and the sender ``phone_number_id`` (when set) over the connection's."""

    maton_conn_id: str
    phone_number_id: str | None = None
    hook_params: HookSettings

    @cached_property
    def hook(self) -> MatonWhatsAppHook:
        """The hook, built once per task try."""
        from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

        settings = HookSettings(**self.hook_params)
        if self.phone_number_id:
            settings["phone_number_id"] = self.phone_number_id
        return MatonWhatsAppHook(self.maton_conn_id, **settings)
