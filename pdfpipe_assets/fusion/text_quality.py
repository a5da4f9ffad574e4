"""Is a page's text layer usable, or must the page be OCR'd?  (The rule, with its thresholds.)"""

from __future__ import annotations

from ..contracts.source import char_counts

MIN_TEXT_CHARS = 10
MIN_VALID_SHARE = 0.85


def usable_counts(chars: int, bad: int) -> tuple[bool, str]:
    """At least ``MIN_TEXT_CHARS`` characters, of which ``MIN_VALID_SHARE`` real ones."""
    if chars < MIN_TEXT_CHARS:
        return False, f"text layer has {chars} characters"
    valid = 1 - bad / chars
    if valid < MIN_VALID_SHARE:
        return False, f"text layer is garbage: {valid:.0%} valid characters"
    return True, f"text layer: {chars} characters, {valid:.0%} valid"


def usable_text(text: str) -> tuple[bool, str]:
    return usable_counts(*char_counts(text))
