"""WhatsApp's text formatting as safe HTML: ``*bold*``, ``_italic_``, ``~strike~``, ```monospace```,
`` `code` `` and http(s) links; everything else escaped.

The text is split into code spans, links and plain runs first; each is escaped on its own, and the
formatting markers are applied to escaped plain runs only, so no marker can reach inside a tag or an
attribute, and no input can produce markup of its own.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

_TOKENS = re.compile(r"```(?P<block>.+?)```|`(?P<code>[^`\n]+)`|(?P<link>https?://[^\s<>\"'`]+)", re.DOTALL)
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)
_TRAILING = ".,;:!?)]}"


def clean(text: str) -> str:
    """``text`` with lone surrogates replaced, so that it always encodes as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


def plain(text: str) -> str:
    """An escaped plain run with bold, italic and strike applied, newlines as ``<br>``."""
    escaped = html.escape(text, quote=True)
    for pattern, tag in _STYLES:
        escaped = pattern.sub(rf"<{tag}>\1</{tag}>", escaped)
    return escaped.replace("\n", "<br>")


def link(url: str) -> str:
    """An http(s) link that opens in a new tab without access to this page."""
    safe = html.escape(url, quote=True)
    return f'<a href="{safe}" target="_blank" rel="noopener noreferrer nofollow">{safe}</a>'


def wa_format(text: object) -> Markup:
    """``text`` as WhatsApp renders it, as HTML that is safe to insert."""
    source = clean(str(text))
    parts: list[str] = []
    position = 0
    for match in _TOKENS.finditer(source):
        parts.append(plain(source[position : match.start()]))
        position = match.end()
        if match.group("block") is not None:
            parts.append(f"<code class='block'>{html.escape(match.group('block'))}</code>")
        elif match.group("code") is not None:
            parts.append(f"<code>{html.escape(match.group('code'))}</code>")
        else:
            url = match.group("link")
            tail = ""
            while url and url[-1] in _TRAILING:
                url, tail = url[:-1], url[-1] + tail
            parts.append(link(url) + plain(tail))
    parts.append(plain(source[position:]))
    return Markup("".join(parts))
