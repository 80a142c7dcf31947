"""Assertions on captured logs that hold whatever format the logging setup puts around a message."""

from __future__ import annotations

import re


def assert_logged(log: str, message: str, rest: str = "") -> None:
    """``message``, then what the regular expression ``rest`` matches, is the whole message of a line of
    ``log``: nothing joined to it before or after (the format may add a timestamp and level before it,
    padding and the logger's name after it)."""
    pattern = rf"(?:^|\s){re.escape(message)}{rest}(?:\s*$|\s{{2,}}|\s+\[)"
    assert re.search(pattern, log, flags=re.MULTILINE), f"no line says {message!r}{rest}:\n{log}"
