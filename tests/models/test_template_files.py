"""Template files: YAML and JSON, one or several templates a file, folders; every problem of every file
named with its file, template, component and rule; written files read back as they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import TemplateInfo
from airflow_provider_whatsapp.models.template_files import (
    definition_of,
    export_files,
    load_templates,
    to_yaml,
)

SHIPPED = """\
name: order_shipped
language: en_US
category: utility
components:
  - type: body
    text: "Hi {{1}}, order {{2}} is on its way."
    example:
      body_text: [["Alex", "A-1042"]]
"""
TWO_LANGUAGES = """\
- name: welcome
  language: en_US
  category: MARKETING
  components: [{type: BODY, text: Welcome!}]
- name: welcome
  language: nl
  category: MARKETING
  components: [{type: BODY, text: Welkom!}]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_one_template_per_file_several_per_file_and_documents(tmp_path: Path) -> None:
    write(tmp_path, "shipped.yaml", SHIPPED)
    write(tmp_path, "nested/welcome.yml", TWO_LANGUAGES)
    write(
        tmp_path,
        "nested/more.yaml",
        "name: a\nlanguage: en\ncategory: UTILITY\ncomponents: [{type: BODY, text: A}]\n---\n"
        "name: b\nlanguage: en\ncategory: UTILITY\ncomponents: [{type: BODY, text: B}]\n",
    )
    write(tmp_path, "notes.txt", "not a template")

    loaded = load_templates(tmp_path)

    assert [(t.key, Path(t.origin).relative_to(tmp_path).as_posix()) for t in loaded] == [
        (("a", "en"), "nested/more.yaml[0]"),
        (("b", "en"), "nested/more.yaml[1]"),
        (("welcome", "en_US"), "nested/welcome.yml[0]"),
        (("welcome", "nl"), "nested/welcome.yml[1]"),
        (("order_shipped", "en_US"), "shipped.yaml"),
    ]
    shipped = loaded[-1].definition.to_api()
    assert shipped["category"] == "UTILITY"
    assert shipped["components"][0]["type"] == "BODY"


def test_json_files_and_lists_of_definitions(tmp_path: Path) -> None:
    definition = yaml.safe_load(SHIPPED)
    path = write(tmp_path, "shipped.json", json.dumps(definition))

    assert [t.key for t in load_templates(path)] == [("order_shipped", "en_US")]
    assert [t.origin for t in load_templates([definition, {**definition, "language": "nl"}])] == [
        "templates[0]",
        "templates[1]",
    ]
    assert [t.key for t in load_templates(str(path))] == [("order_shipped", "en_US")]


def test_every_problem_of_every_file_names_file_template_component_and_rule(tmp_path: Path) -> None:
    write(tmp_path, "a_bad_body.yaml", SHIPPED.replace("{{2}}", "{{3}}"))
    write(
        tmp_path, "b_named.yaml", SHIPPED.replace("{{1}}", "{{first_name}}").replace("order_shipped", "other")
    )
    write(tmp_path, "c_broken.yaml", "name: [unclosed\n")
    write(tmp_path, "d_scalar.json", '"just a string"')

    with pytest.raises(WhatsAppValidationError) as caught:
        load_templates(tmp_path)

    found = [
        (Path(field.split(":")[0]).name, field.split(": ", 1)[1:], rule)
        for field, rule in caught.value.errors
    ]
    assert found[0] == (
        "a_bad_body.yaml",
        ["order_shipped (en_US): components.0 (BODY).text"],
        "POSITIONAL variables are numbered {{1}}, {{2}} in sequence; found {{1}}, {{3}}",
    )
    assert found[1] == (
        "b_named.yaml",
        ["other (en_US): components.0 (BODY).text"],
        "{{first_name}}: named variables need parameter_format NAMED",
    )
    assert found[2][0] == "c_broken.yaml"
    assert found[2][2].startswith("is not valid YAML")
    assert found[3] == (
        "d_scalar.json",
        [],
        "must be a template: a mapping with name, language, category, components",
    )
    assert len(found) == 4


def test_a_name_in_a_language_twice_is_refused(tmp_path: Path) -> None:
    first = write(tmp_path, "first.yaml", SHIPPED)
    write(tmp_path, "second.yaml", SHIPPED.replace("on its way", "shipped"))

    with pytest.raises(WhatsAppValidationError) as caught:
        load_templates(tmp_path)

    [(field, rule)] = caught.value.errors
    assert field == f"{tmp_path / 'second.yaml'}: order_shipped (en_US)"
    assert rule == f"defined again (first in {first})"


def test_an_empty_folder_and_a_foreign_file_are_problems(tmp_path: Path) -> None:
    with pytest.raises(WhatsAppValidationError, match=r"holds no template files \(.yaml, .yml, .json\)"):
        load_templates(tmp_path)
    with pytest.raises(WhatsAppValidationError, match=r"its name must end in \.yaml, \.yml, \.json"):
        load_templates(write(tmp_path, "templates.txt", SHIPPED))


def test_a_button_problem_names_the_buttons_component(tmp_path: Path) -> None:
    text = SHIPPED + "  - type: BUTTONS\n    buttons: [{type: URL, text: Track, url: 'https://e.x/{{1}}'}]\n"
    with pytest.raises(WhatsAppValidationError) as caught:
        load_templates(write(tmp_path, "t.yaml", text))
    assert caught.value.errors == [
        (
            f"{tmp_path / 't.yaml'}: order_shipped (en_US): components.1 (BUTTONS).buttons.0.example",
            "one example value for the URL's {{1}}",
        )
    ]


def stored(**fields: Any) -> TemplateInfo:
    answer = {
        "id": "123456789012345",
        "status": "APPROVED",
        "rejected_reason": "NONE",
        "quality_score": {"score": "GREEN"},
        "previous_category": "MARKETING",
        **fields,
    }
    return TemplateInfo.from_response(answer)


def test_definition_of_leaves_out_what_the_server_adds() -> None:
    template = stored(**yaml.safe_load(SHIPPED))

    assert definition_of(template) == yaml.safe_load(SHIPPED)


def test_export_files_group_languages_by_name_and_read_back(tmp_path: Path) -> None:
    templates = [yaml.safe_load(SHIPPED), *yaml.safe_load(TWO_LANGUAGES)]

    files = export_files(templates)
    for name, text in files.items():
        write(tmp_path, name, text)

    assert list(files) == ["order_shipped.yaml", "welcome.yaml"]
    assert yaml.safe_load(files["order_shipped.yaml"])["name"] == "order_shipped"
    assert [t["language"] for t in yaml.safe_load(files["welcome.yaml"])] == ["en_US", "nl"]
    assert [t.definition.to_api() for t in load_templates(tmp_path)] == [
        {
            **templates[0],
            "category": "UTILITY",
            "components": [{**templates[0]["components"][0], "type": "BODY"}],
        },
        *templates[1:],
    ]


def test_yaml_keys_come_in_reading_order() -> None:
    text = to_yaml({"components": [], "language": "en", "name": "x", "category": "UTILITY"})
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "name",
        "language",
        "category",
        "components",
    ]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXTS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda s: s.strip() and "{{" not in s and "}}" not in s
)


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    """A valid definition with a text header, a body with 0..3 variables, a footer and buttons."""
    count = draw(st.integers(0, 3))
    variables = "".join(f" {{{{{n}}}}}" for n in range(1, count + 1))
    body_text: dict[str, Any] = {"type": "BODY", "text": draw(TEXTS).strip() + variables}
    if count:
        body_text["example"] = {"body_text": [[draw(TEXTS) for _ in range(count)]]}
    components = [
        {"type": "HEADER", "format": "TEXT", "text": draw(TEXTS)},
        body_text,
        {"type": "FOOTER", "text": draw(TEXTS)},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": draw(TEXTS)[:25]}]},
    ]
    name = draw(st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True))
    return {
        "name": name,
        "language": draw(st.sampled_from(["en_US", "nl", "pt_BR"])),
        "category": "UTILITY",
        "components": components,
    }


@SETTINGS
@given(st.lists(templates(), min_size=1, max_size=4, unique_by=lambda t: (t["name"], t["language"])))
def test_written_files_read_back_as_the_same_definitions(
    tmp_path_factory: pytest.TempPathFactory, definitions: list[dict[str, Any]]
) -> None:
    folder = tmp_path_factory.mktemp("export")
    for name, text in export_files(definitions).items():
        (folder / name).write_text(text, encoding="utf-8")

    loaded = sorted(
        (t.definition.to_api() for t in load_templates(folder)), key=lambda d: (d["name"], d["language"])
    )

    assert loaded == sorted(definitions, key=lambda d: (d["name"], d["language"]))
