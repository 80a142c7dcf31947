"""The templates an account starts with: ``hello_world`` always, and the ones the README and the example
DAGs use for the keys the server starts with (``SandboxConfig.api_keys``), so their snippets run as written.

Keys made by ``POST /_sandbox/keys`` start with ``hello_world`` only (as a new WhatsApp Business Account
does) unless asked for ``"templates": "docs"``. Every seed is APPROVED and valid as a create body.
"""

from __future__ import annotations

from typing import Any

SEED_SETS = ("minimal", "docs")

HELLO_WORLD: dict[str, Any] = {
    "name": "hello_world",
    "language": "en_US",
    "category": "UTILITY",
    "components": [{"type": "BODY", "text": "Hello World"}],
}

DOC_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "name": "pipeline_alert",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Pipeline alert"},
            {
                "type": "BODY",
                "text": "DAG *{{1}}*: task {{2}} needs attention. Its log is in Airflow.",
                "example": {"body_text": [["daily_sales", "load"]]},
            },
            {"type": "FOOTER", "text": "Sent by Airflow"},
        ],
    },
    {
        "name": "order_confirmation",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order confirmed"},
            {
                "type": "BODY",
                "text": "Hi {{1}}, thank you for your order *{{2}}*! We will tell you when it ships.",
                "example": {"body_text": [["Alex", "A-1042"]]},
            },
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "URL", "text": "View order", "url": "https://example.com/orders"},
                    {"type": "QUICK_REPLY", "text": "Talk to us"},
                ],
            },
        ],
    },
    {
        "name": "delivery_update",
        "language": "en_US",
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "components": [
            {
                "type": "BODY",
                "text": "Hi {{first_name}}, order {{order_id}} arrives on {{delivery_date}}.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "first_name", "example": "Alex"},
                        {"param_name": "order_id", "example": "A-1042"},
                        {"param_name": "delivery_date", "example": "May 2"},
                    ]
                },
            },
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Reschedule"}]},
        ],
    },
    {
        "name": "monthly_report",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "DOCUMENT", "example": {"header_handle": ["4::aW..."]}},
            {
                "type": "BODY",
                "text": "Your {{1}} report is attached.",
                "example": {"body_text": [["April"]]},
            },
        ],
    },
)


def seed_definitions(seed: str) -> tuple[dict[str, Any], ...]:
    """The template definitions of seed set ``seed`` (``minimal`` or ``docs``)."""
    return (HELLO_WORLD, *DOC_TEMPLATES) if seed == "docs" else (HELLO_WORLD,)
