"""Scholarly structure that holds whatever engine found it: heading nesting."""

from __future__ import annotations

from ..contracts import Heading


def nest_headings(headings: list[Heading]) -> list[Heading]:
    """Each heading's parent: the nearest heading before it with a lower level."""
    out: list[Heading] = []
    for heading in headings:
        parent = next((i for i in range(len(out) - 1, -1, -1) if out[i].level < heading.level), None)
        out.append(heading.model_copy(update={"parent": parent}))
    return out
