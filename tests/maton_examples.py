"""The example messages of Maton's gateway reference (envelope removed), shared by the tests of the
models and of the sandbox: both must accept exactly what Maton documents."""

from __future__ import annotations

from typing import Any

MATON_EXAMPLES: list[dict[str, Any]] = [
    {"type": "text", "text": {"preview_url": True, "body": "Hello! Check out https://example.com"}},
    {
        "type": "template",
        "template": {
            "name": "hello_world",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "John"}]}],
        },
    },
    {"type": "image", "image": {"link": "https://example.com/image.jpg", "caption": "Check out this image!"}},
    {
        "type": "document",
        "document": {
            "link": "https://example.com/document.pdf",
            "caption": "Here's the document",
            "filename": "report.pdf",
        },
    },
    {"type": "video", "video": {"link": "https://example.com/video.mp4", "caption": "Watch this video"}},
    {"type": "audio", "audio": {"link": "https://example.com/audio.mp3"}},
    {
        "type": "location",
        "location": {
            "latitude": 37.7749,
            "longitude": -122.4194,
            "name": "San Francisco",
            "address": "San Francisco, CA, USA",
        },
    },
    {
        "type": "contacts",
        "contacts": [
            {
                "name": {"formatted_name": "John Doe", "first_name": "John", "last_name": "Doe"},
                "phones": [{"phone": "+1234567890", "type": "MOBILE"}],
            }
        ],
    },
    {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Would you like to proceed?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "no", "title": "No"}},
                ]
            },
        },
    },
    {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "header": {"type": "text", "text": "Select an option"},
            "body": {"text": "Choose from the list below"},
            "action": {
                "button": "View Options",
                "sections": [
                    {
                        "title": "Products",
                        "rows": [
                            {"id": "prod1", "title": "Product 1", "description": "First product"},
                            {"id": "prod2", "title": "Product 2", "description": "Second product"},
                        ],
                    }
                ],
            },
        },
    },
    {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}},
]
