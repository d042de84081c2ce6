"""Control characters in text: the one rule, for what comes in (forms) and what goes out (feeds).

A control character is any of Unicode's category Cc: U+0000 to U+001F, U+007F and U+0080 to
U+009F. None of them belongs in what people write here, except tab, line feed and carriage
return in long text (browsers send a textarea's line breaks as CR LF). XML 1.0 cannot carry most
of them (Django's feeds fail with ``UnserializableContentError``), HTML forbids them in a page,
and PostgreSQL refuses NUL.
"""

from __future__ import annotations

import re

# Every control character; in long text, all but tab, line feed and carriage return.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_LONG_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def find_control_character(text: str, *, long_text: bool = False) -> str | None:
    """The first control character of ``text`` that the rule refuses, or ``None``."""
    match = (CONTROL_IN_LONG_TEXT if long_text else CONTROL).search(text)
    return match.group() if match else None


def strip_control_characters(text: str, *, long_text: bool = True) -> str:
    """``text`` without the control characters the rule refuses (by default those of long text:
    tab and line breaks stay)."""
    return (CONTROL_IN_LONG_TEXT if long_text else CONTROL).sub("", text)


def code_point(character: str) -> str:
    """ "\\x0b" → "U+000B", as the form's error message names it."""
    return f"U+{ord(character):04X}"
