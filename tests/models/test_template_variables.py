"""Meta's rules for a definition's variables: POSITIONAL numbered 1..n, NAMED lowercase, an example for
each; URL buttons end in one {{1}} with an example. Generated definitions check the rules both ways."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import TemplateDefinition, validate_model
from airflow_provider_whatsapp.sandbox.validation import validate_template_definition

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def definition(*components: dict[str, Any], parameter_format: str | None = None) -> dict[str, Any]:
    made: dict[str, Any] = {
        "name": "t",
        "language": "en_US",
        "category": "UTILITY",
        "components": list(components),
    }
    if parameter_format:
        made["parameter_format"] = parameter_format
    return made


def body(text: str, **example: Any) -> dict[str, Any]:
    return {"type": "BODY", "text": text, "example": example}


def named(*names: str) -> list[dict[str, str]]:
    return [{"param_name": name, "example": name.upper()} for name in names]


def url_button(url: str, example: list[str] | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "URL", "text": "Open", "url": url}
    if example is not None:
        button["example"] = example
    return {"type": "BUTTONS", "buttons": [button]}


@pytest.mark.parametrize(
    ("made", "errors"),
    [
        (
            definition(body("Hi {{1}}, order {{3}}", body_text=[["a", "b"]])),
            [
                (
                    "components.0.text",
                    "POSITIONAL variables are numbered {{1}}, {{2}} in sequence; found {{1}}, {{3}}",
                )
            ],
        ),
        (
            definition(body("Hi {{2}}", body_text=[["a"]])),
            [("components.0.text", "POSITIONAL variables are numbered {{1}} in sequence; found {{2}}")],
        ),
        (
            definition(body("Hi {{first_name}}", body_text=[["a"]])),
            [("components.0.text", "{{first_name}}: named variables need parameter_format NAMED")],
        ),
        (
            definition(body("Hi {{1}} and {{2}}", body_text=[["only one"]])),
            [
                (
                    "components.0.example.body_text",
                    "one example value for each variable ({{1}}, {{2}}); 1 given",
                )
            ],
        ),
        (
            definition(body("Hi {{1}}", body_text_named_params=named("x"))),
            [("components.0.example.body_text", "one example value for each variable ({{1}}); none given")],
        ),
        (
            definition(
                {"type": "HEADER", "format": "TEXT", "text": "For {{1}}", "example": {"header_text": []}},
                {"type": "BODY", "text": "Hello"},
            ),
            [("components.0.example.header_text", "one example value for each variable ({{1}}); 0 given")],
        ),
        (
            definition(body("Hi {{First}}", body_text_named_params=named("First")), parameter_format="NAMED"),
            [
                (
                    "components.0.text",
                    "{{First}}: NAMED variables are lowercase letters, digits and underscores",
                )
            ],
        ),
        (
            definition(body("Hi {{1}}", body_text_named_params=named("1")), parameter_format="named"),
            [("components.0.text", "{{1}}: NAMED variables are lowercase letters, digits and underscores")],
        ),
        (
            definition(
                body("Hi {{first_name}}, order {{order_id}}", body_text_named_params=named("first_name")),
                parameter_format="NAMED",
            ),
            [
                (
                    "components.0.example.body_text_named_params",
                    "one param_name for each variable (first_name, order_id); given first_name",
                )
            ],
        ),
        (
            definition(body("Hi {{name}}", body_text=[["a"]]), parameter_format="NAMED"),
            [
                (
                    "components.0.example.body_text_named_params",
                    "one param_name for each variable (name); given none",
                )
            ],
        ),
        (
            definition({"type": "BODY", "text": "Hi"}, url_button("https://e.x/{{1}}")),
            [("components.1.buttons.0.example", "one example value for the URL's {{1}}")],
        ),
        (
            definition({"type": "BODY", "text": "Hi"}, url_button("https://e.x/{{1}}/track", ["a"])),
            [("components.1.buttons.0.url", "a URL button takes one variable, {{1}}, at the end of the URL")],
        ),
        (
            definition({"type": "BODY", "text": "Hi"}, url_button("https://e.x/{{2}}", ["a"])),
            [("components.1.buttons.0.url", "a URL button takes one variable, {{1}}, at the end of the URL")],
        ),
    ],
)
def test_variable_rules(made: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        validate_model(TemplateDefinition, made)
    assert caught.value.errors == errors


def test_every_component_with_a_problem_is_named() -> None:
    made = definition(
        {"type": "HEADER", "format": "TEXT", "text": "{{x}}", "example": {"header_text": ["a"]}},
        body("Hi {{3}}", body_text=[["a"]]),
    )
    with pytest.raises(WhatsAppValidationError) as caught:
        validate_model(TemplateDefinition, made)
    assert [field for field, _ in caught.value.errors] == ["components.0.text", "components.1.text"]


NAMES = st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True), min_size=1, max_size=6, unique=True)


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A POSITIONAL or NAMED definition whose body uses each of its variables, in any order, any times."""
    if draw(st.booleans()):
        names = draw(NAMES)
        example: dict[str, Any] = {"body_text_named_params": named(*names)}
        parameter_format: str | None = "NAMED"
    else:
        names = [str(number) for number in range(1, draw(st.integers(1, 8)) + 1)]
        example = {"body_text": [[f"value {name}" for name in names]]}
        parameter_format = draw(st.sampled_from([None, "POSITIONAL"]))
    used = draw(st.permutations(names)) + draw(st.lists(st.sampled_from(names), max_size=3))
    text = " ".join(f"{{{{{name}}}}}" for name in used)
    return definition(body(text, **example), parameter_format=parameter_format)


@SETTINGS
@given(valid_bodies())
def test_valid_variables_pass_here_and_in_the_sandbox(made: dict[str, Any]) -> None:
    dumped = validate_model(TemplateDefinition, made).to_api()
    assert dumped == made
    assert validate_template_definition(dumped) is None


@SETTINGS
@given(st.integers(2, 8), st.data())
def test_a_gap_in_positional_numbers_is_refused_here_and_in_the_sandbox(
    count: int, data: st.DataObject
) -> None:
    missing = data.draw(st.integers(1, count))
    names = [str(number) for number in range(1, count + 1) if number != missing] + [str(count + 1)]
    made = definition(body(" ".join(f"{{{{{n}}}}}" for n in names), body_text=[list(names)]))
    with pytest.raises(WhatsAppValidationError) as caught:
        validate_model(TemplateDefinition, made)
    [(field, rule)] = caught.value.errors
    assert field == "components.0.text"
    assert rule.startswith("POSITIONAL variables are numbered")
    assert validate_template_definition(made) is not None


@SETTINGS
@given(NAMES, st.data())
def test_a_named_variable_without_its_example_is_refused(names: list[str], data: st.DataObject) -> None:
    dropped = data.draw(st.sampled_from(names))
    kept = [name for name in names if name != dropped]
    text = " ".join(f"{{{{{name}}}}}" for name in names)
    made = definition(body(text, body_text_named_params=named(*kept)), parameter_format="NAMED")
    with pytest.raises(WhatsAppValidationError) as caught:
        validate_model(TemplateDefinition, made)
    [(field, rule)] = caught.value.errors
    assert field == "components.0.example.body_text_named_params"
    assert dropped in rule.split(";")[0]
