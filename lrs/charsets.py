"""The charset of JSON content: xAPI strings are UTF-8 (Communication 1.4), whatever a header says.

A Content-Type that names another charset (`application/json; charset=iso-8859-1`), or one
nobody knows, announces bytes that would be misread as UTF-8, so it is refused rather than
guessed at. US-ASCII is a subset of UTF-8 and passes.
"""

from __future__ import annotations

import codecs
from email.message import Message

UTF8_COMPATIBLE = frozenset({"utf-8", "ascii"})


def declared_charset(content_type: str) -> str | None:
    message = Message()
    message["Content-Type"] = content_type
    charset = message.get_param("charset")
    return charset if isinstance(charset, str) else None


def charset_problem(content_type: str | None) -> str | None:
    """Why JSON sent with this Content-Type cannot be read as UTF-8, or None when it can."""
    charset = declared_charset(content_type or "")
    if charset is None:
        return None
    try:
        name = codecs.lookup(charset.strip()).name
    except LookupError:
        return f"charset {charset!r} is unknown; JSON content must be UTF-8"
    if name not in UTF8_COMPATIBLE:
        return f"charset {charset!r} is not UTF-8; JSON content must be UTF-8 (xAPI Communication 1.4)"
    return None
