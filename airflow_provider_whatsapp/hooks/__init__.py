"""Hooks: the only layer that speaks HTTP to Maton's gateway."""

from __future__ import annotations

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

__all__ = ["MatonWhatsAppHook"]
