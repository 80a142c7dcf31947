"""The account around the messages: business phone numbers, the business profile, Maton's connections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_whatsapp.constants import GATEWAY_APP
from airflow_provider_whatsapp.hooks.base import WhatsAppBaseHook
from airflow_provider_whatsapp.hooks.transport import RetryPolicy
from airflow_provider_whatsapp.models import (
    BusinessProfile,
    BusinessProfileUpdate,
    MatonConnection,
    PhoneNumberInfo,
    validate_model,
)
from airflow_provider_whatsapp.utils import ids

PROFILE_FIELDS = "about,address,description,email,profile_picture_url,websites,vertical"


class WhatsAppAccountMixin(WhatsAppBaseHook):
    """Phone numbers and the profile (Graph), and OAuth connections (Maton's control plane)."""

    def get_phone_number(
        self, phone_number_id: str | None = None, *, fields: str | None = None
    ) -> PhoneNumberInfo:
        """A business phone number's details (display number, verified name, quality rating...)."""
        params = {"fields": fields} if fields else None
        answer = self.client.graph("GET", self.sender(phone_number_id), params=params)
        return self.answer(PhoneNumberInfo, answer, "GET phone number")

    def list_phone_numbers(self, waba_id: str | None = None) -> list[PhoneNumberInfo]:
        """The business phone numbers of the account."""
        answer = self.client.graph("GET", f"{self.account(waba_id)}/phone_numbers")
        items = answer.get("data") if isinstance(answer, Mapping) else None
        return [self.answer(PhoneNumberInfo, item, "GET phone_numbers") for item in items or []]

    def get_business_profile(
        self, fields: str | Sequence[str] | None = None, *, phone_number_id: str | None = None
    ) -> BusinessProfile:
        """The business profile shown to customers."""
        wanted = fields if isinstance(fields, str) else ",".join(fields or PROFILE_FIELDS.split(","))
        path = f"{self.sender(phone_number_id)}/whatsapp_business_profile"
        answer = self.client.graph("GET", path, params={"fields": wanted})
        return self.answer(BusinessProfile, answer, "GET whatsapp_business_profile")

    def update_business_profile(
        self,
        profile: BusinessProfileUpdate | Mapping[str, Any] | None = None,
        *,
        phone_number_id: str | None = None,
        **fields: Any,
    ) -> bool:
        """Update profile fields (about, address, description, email, websites, vertical...)."""
        if isinstance(profile, BusinessProfileUpdate):
            update = profile.model_copy(update=fields) if fields else profile
        else:
            update = validate_model(BusinessProfileUpdate, {**dict(profile or {}), **fields})
        path = f"{self.sender(phone_number_id)}/whatsapp_business_profile"
        answer = self.client.graph("POST", path, json=update.to_api(), policy=RetryPolicy.IDEMPOTENT)
        return bool(answer.get("success"))

    def list_maton_connections(self, status: str | None = None) -> list[MatonConnection]:
        """The key's whatsapp-business OAuth connections at Maton, optionally only those in ``status``."""
        params = {"app": GATEWAY_APP, **({"status": status} if status else {})}
        answer = self.client.control("GET", params=params)
        items = answer.get("connections") if isinstance(answer, Mapping) else None
        return [self.answer(MatonConnection, item, "GET /connections") for item in items or []]

    def create_maton_connection(self) -> MatonConnection:
        """Start a new OAuth connection at Maton; it is PENDING until someone opens its ``url``."""
        answer = self.client.control("POST", json={"app": GATEWAY_APP})
        return self.answer(MatonConnection, answer, "POST /connections")

    def get_maton_connection(self, connection_id: str) -> MatonConnection:
        """One Maton connection by id (a UUID)."""
        answer = self.client.control("GET", ids.connection_id(connection_id))
        return self.answer(MatonConnection, answer, "GET /connections/{id}")

    def delete_maton_connection(self, connection_id: str) -> None:
        """Delete a Maton connection; raises :class:`WhatsAppNotFoundError` when there is none."""
        self.client.control("DELETE", ids.connection_id(connection_id))
