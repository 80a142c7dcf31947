"""The web inbox at ``/``: conversations rendered as WhatsApp shows them (``page``, ``views``), the
Jinja templates in ``templates/`` and the page's own script and style in ``static/`` (no build step, no
asset from the internet)."""
