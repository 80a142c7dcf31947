"""Pydantic's errors in plain words (``to_validation_error``), for every kind of bound a model here uses."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, StringConstraints, ValidationError, field_validator

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.common import DateString, to_validation_error


class Bounds(BaseModel):
    """One field per kind of bound."""

    word: Annotated[str, StringConstraints(min_length=3)] = "abc"
    below: Annotated[int, Field(lt=5)] = 0
    above: Annotated[float, Field(gt=0.5)] = 1
    at_most: Annotated[int, Field(le=10)] = 0
    at_least: Annotated[int, Field(ge=1)] = 1
    kind: Literal["a"] = "a"
    day: DateString = "2025-01-31"
    custom: str = "ok"

    @field_validator("custom")
    @classmethod
    def _custom(cls, value: str) -> str:
        if value != "ok":
            raise ValueError("must be ok")
        return value


def problems(prefix: str = "", **fields: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Bounds.model_validate(fields)
    error = to_validation_error(caught.value, prefix)
    assert isinstance(error, WhatsAppValidationError)
    return error.errors


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"word": "ab"}, ("word", "at least 3 characters")),
        ({"below": 5}, ("below", "less than 5")),
        ({"above": 0.5}, ("above", "greater than 0.5")),
        ({"at_most": 11}, ("at_most", "at most 10")),
        ({"at_least": 0}, ("at_least", "at least 1")),
        ({"kind": "b"}, ("kind", "must be 'a'")),
        ({"day": "2025-02-30"}, ("day", "must be a date as YYYY-MM-DD")),
        ({"day": "30-01-2025"}, ("day", "must be a date as YYYY-MM-DD")),
        ({"custom": "no"}, ("custom", "must be ok")),
    ],
)
def test_each_bound_in_words(fields: dict[str, object], expected: tuple[str, str]) -> None:
    assert problems(**fields) == [expected]


def test_the_prefix_joins_the_path_with_a_dot_and_repeats_are_listed_once() -> None:
    assert problems("message", below=9, at_most=99) == [
        ("message.below", "less than 5"),
        ("message.at_most", "at most 10"),
    ]
