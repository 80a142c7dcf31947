"""Airflow discovers the provider: its metadata matches Airflow's schema and the connection type loads."""

from __future__ import annotations

import json
from importlib import resources
from importlib.metadata import entry_points

import jsonschema
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_2_PLUS

from airflow_provider_whatsapp import __version__
from airflow_provider_whatsapp.get_provider_info import get_provider_info
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook


def test_provider_info_matches_airflows_schema() -> None:
    schema = json.loads(resources.files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)
    assert get_provider_info()["versions"] == [__version__]


def test_entry_point_is_installed() -> None:
    (entry,) = [
        e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("airflow_provider_")
    ]
    assert entry.load() is get_provider_info


def test_providers_manager_knows_the_connection_type() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-whatsapp" in manager.providers
    hook = manager.hooks["maton_whatsapp"]
    assert hook is not None
    assert hook.hook_class_name == "airflow_provider_whatsapp.hooks.whatsapp.MatonWhatsAppHook"
    assert hook.connection_id_attribute_name == "maton_conn_id"
    if not AIRFLOW_V_3_2_PLUS:
        return  # 3.1 reads the form from the hook (next test), and only when wtforms is installed
    behaviour = manager.field_behaviours["maton_whatsapp"]
    assert behaviour["relabeling"]["password"] == "Maton API key"
    assert "extra" in behaviour["hidden_fields"]
    widgets = manager.connection_form_widgets
    for field in ("connection_id", "phone_number_id", "waba_id", "api_version", "requests_per_second"):
        assert f"extra__maton_whatsapp__{field}" in widgets


def test_airflow_3_1s_form_keeps_extra_visible_for_the_settings() -> None:
    """Airflow 3.1 predates conn-fields: it asks the hook, and the settings go in Extra as JSON."""
    from airflow.providers_manager import ProvidersManager

    behaviour = MatonWhatsAppHook.get_ui_field_behaviour()
    ProvidersManager()._customized_form_fields_schema_validator.validate(behaviour)
    assert "extra" not in behaviour["hidden_fields"]
    assert json.loads(behaviour["placeholders"]["extra"]).keys() == {"phone_number_id", "waba_id"}
    assert behaviour["relabeling"]["password"] == "Maton API key"


def test_modules_named_in_provider_info_import() -> None:
    import importlib

    info = get_provider_info()
    for section in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[section]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for dotted in info["notifications"]:
        module, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), name)
