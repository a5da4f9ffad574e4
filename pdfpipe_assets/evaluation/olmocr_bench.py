"""olmOCR-bench unit tests (``<stem>.olmocr-bench.jsonl``), following the rules published with
allenai/olmocr's ``bench/tests.py``:

- text is normalised first: ``<br>`` to a space, Markdown/HTML bold and italics removed,
  whitespace collapsed, NFC, typographic quotes and dashes to ASCII, micro sign to mu;
- ``present`` / ``absent``: fuzzy substring match, passing at a partial ratio of at least
  ``1 - max_diffs / len(text)``; ``case_sensitive`` (default true), ``first_n`` / ``last_n``;
- ``order``: some match of ``before`` (within ``max_diffs`` edits) starts before some match of
  ``after``;
- ``table``: some cell whose ratio to ``cell`` is at least ``max(0.5, 1 - max_diffs/len)`` has
  the given ``up``/``down``/``left``/``right`` neighbours and ``top_heading``/``left_heading``;
- ``baseline``: the page has some letters or digits (or, with ``max_length``, at most that
  many: a blank page), does not end in one n-gram (n <= 5) repeated more than ``max_repeats``
  (30) times, and holds no CJK or emoji characters unless ``check_disallowed_characters`` is
  false.  olmOCR's runner adds one such test to page 1 of every PDF that has none; here only
  the tests in the file are run, so that the counts stay those of the file;
- ``format``: the text is among the page's Markdown or HTML headings, bold or italic spans;
- ``footnote``: the marker appears as ``[^m]``, ``<sup>m</sup>`` or superscript digits, with
  ``appears_before_marker`` ending the 200 characters before one of them and
  ``appears_after_marker`` starting the 200 after;
- ``math``: the LaTeX must appear between ``$``/``\\(``/``\\[`` delimiters.  olmOCR compares
  KaTeX renderings, which needs a browser; here the comparison is exact after removing spaces,
  so this is stricter than the original.  The CPU engines emit no LaTeX; a page VLM does.

The content tested is one page of the fused document (body text in reading order, tables as
Markdown, running headers and footers left out); table tests read the page's table grids.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from ..contracts import FusedDocument, Table
from .views import grid, page_markdown

_FANCY = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "＿": "_",
        "–": "-",
        "—": "-",
        "‑": "-",
        "‒": "-",
        "−": "-",
        "\u00b5": "\u03bc",
    }
)


def normalize(text: str) -> str:
    text = re.sub(r"<br/?>", " ", text or "")
    text = re.sub(r"</?[bi]>", "", text)
    text = re.sub(r"(\*\*|__)(.*?)\1", r"\2", text)
    text = re.sub(r"(\*|_)(.*?)\1", r"\2", text)
    text = re.sub(r"\s+", " ", text)
    return unicodedata.normalize("NFC", text).translate(_FANCY)


def _starts(pattern: str, text: str, max_diffs: int) -> list[int]:
    """Start offsets where ``pattern`` occurs in ``text`` with at most ``max_diffs`` edits."""
    if max_diffs == 0:
        return [m.start() for m in re.finditer(re.escape(pattern), text)]
    n = len(pattern)
    starts = []
    for i in range(0, max(1, len(text) - n + max_diffs + 1)):
        window = text[i : i + n + max_diffs]
        best = min(Levenshtein.distance(pattern, window[:k]) for k in range(max(0, n - max_diffs), len(window) + 1))
        if best <= max_diffs:
            starts.append(i)
    return starts


def _presence(test: dict, content: str) -> bool:
    query, content = normalize(test["text"]), normalize(content)
    if not test.get("case_sensitive", True):
        query, content = query.lower(), content.lower()
    first, last = test.get("first_n"), test.get("last_n")
    if first and last:
        content = content[:first] + content[-last:]
    elif first:
        content = content[:first]
    elif last:
        content = content[-last:]
    diffs = test.get("max_diffs", 0)
    if len(content) < len(query) - diffs:
        found = False
    else:
        found = fuzz.partial_ratio(query, content) / 100 >= 1 - diffs / max(1, len(query))
    return found if test["type"] == "present" else not found


def _order(test: dict, content: str) -> bool:
    content, diffs = normalize(content), test.get("max_diffs", 0)
    before = _starts(normalize(test["before"]), content, diffs)
    after = _starts(normalize(test["after"]), content, diffs)
    return any(b < a for b in before for a in after)


def _similar(want: str, got: str, diffs: int) -> bool:
    want = normalize(want)
    return fuzz.ratio(want, normalize(got)) / 100 >= max(0.5, 1 - diffs / max(1, len(want)))


def _table(test: dict, tables: list[Table], page: int) -> bool:
    diffs = test.get("max_diffs", 0)
    for table in (t for t in tables if t.page == page):
        cells = grid(table)
        heads = max(1, table.header_rows)
        for (r, c), text in cells.items():
            if not _similar(test["cell"], text, diffs):
                continue
            neighbours = {
                "up": [cells.get((r - 1, c))],
                "down": [cells.get((r + 1, c))],
                "left": [cells.get((r, c - 1))],
                "right": [cells.get((r, c + 1))],
                "top_heading": [cells.get((h, c)) for h in range(heads)],
                "left_heading": [cells.get((r, 0))],
            }
            if all(
                any(n is not None and _similar(test[k], n, diffs) for n in neighbours[k])
                for k in neighbours
                if test.get(k)
            ):
                return True
    return False


def _math(test: dict, content: str) -> bool:
    found = re.findall(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$|\$(.+?)\$", content, re.S)
    want = re.sub(r"\s+", "", test["math"])
    return any(re.sub(r"\s+", "", "".join(groups)) == want for groups in found)


_DISALLOWED = re.compile(
    "[\u4e00-\u9fff\u3040-\u309f\u30a0-\u30ff\U0001f600-\U0001f64f\U0001f300-\U0001f5ff"
    "\U0001f680-\U0001f6ff\U0001f1e0-\U0001f1ff]"
)


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _tail_repeats(text: str, size: int) -> int:
    """How many times the last ``size`` characters repeat back to back at the text's end."""
    target, count, pos = text[-size:], 0, len(text) - size
    while pos >= 0 and text[pos : pos + size] == target:
        count, pos = count + 1, pos - size
    return count


def _baseline(test: dict, content: str) -> bool:
    if test.get("max_length") is not None:
        if test.get("max_length_skips_image_alt_tags"):
            content = re.sub(r"!\[.*?\]\(.*?\)", "", content)
        return _alnum(content) <= test["max_length"]
    if not _alnum(content):
        return False
    text = re.sub(r"\s+", " ", content)
    limit = test.get("max_repeats", 30)
    if any(_tail_repeats(text, n) > limit for n in range(1, 6) if len(text) >= n):
        return False
    return not (test.get("check_disallowed_characters", True) and _DISALLOWED.search(content))


_FORMATS = {
    "heading": [(r"^#{1,6}\s+(.+?)$", re.M), (r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.I | re.S)],
    "bold": [
        (r"\*\*(.*?)\*\*", re.S),
        (r"__(.*?)__", re.S),
        (r"<b[^>]*>(.*?)</b>", re.I | re.S),
        (r"<strong[^>]*>(.*?)</strong>", re.I | re.S),
    ],
    "italic": [
        (r"(?<!\*)\*(?!\*)(.*?)(?<!\*)\*(?!\*)", re.S),
        (r"(?<!_)_(?!_)(.*?)(?<!_)_(?!_)", re.S),
        (r"<i[^>]*>(.*?)</i>", re.I | re.S),
        (r"<em[^>]*>(.*?)</em>", re.I | re.S),
    ],
}


def _format(test: dict, content: str) -> bool:
    spans = [normalize(m) for pattern, flags in _FORMATS[test["format"]] for m in re.findall(pattern, content, flags)]
    want = normalize(test["text"])
    if not test.get("case_sensitive", True):
        want, spans = want.lower(), [s.lower() for s in spans]
    threshold = 1 - test.get("max_diffs", 0) / max(1, len(want))
    return any(fuzz.partial_ratio(want, span) / 100 >= threshold for span in spans)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _markers(marker: str, content: str) -> list[tuple[int, int]]:
    """(start, end) of each appearance of a footnote marker."""
    patterns = [rf"\[\^{re.escape(marker)}\](?!:)", rf"(?i)<sup[^>]*>{re.escape(marker)}</sup>"]
    if marker.isdigit():
        patterns.append(re.escape(marker.translate(_SUPERSCRIPT)))
    return [m.span() for pattern in patterns for m in re.finditer(pattern, content)]


def _letters(text: str) -> str:
    return "".join(c for c in normalize(text) if c.isalnum()).lower()


def _beside(content: str, at: tuple[int, int], before: bool, length: int) -> str:
    """The letters and digits of the 200 characters before (or after) a marker, the nearest
    ``2 * length`` of them."""
    start, end = at
    text = _letters(content[max(0, start - 200) : start] if before else content[end : end + 200])
    span = min(len(text), 2 * length)
    return text[len(text) - span :] if before else text[:span]


def _footnote(test: dict, content: str) -> bool:
    found = _markers(test["marker"], content)
    if not found:
        return False
    for key, before in (("appears_before_marker", True), ("appears_after_marker", False)):
        if not test.get(key):
            continue
        want = _letters(test[key])
        threshold = 1 - test.get("max_diffs", 0) / max(1, len(normalize(test[key])))
        texts = [_beside(content, at, before, len(want)) for at in found]
        if not any(text and fuzz.partial_ratio(want, text) / 100 >= threshold for text in texts):
            return False
    return True


def run_test(test: dict, doc: FusedDocument) -> bool:
    page = int(test.get("page", 1))
    return run_test_on(test, page_markdown(doc, page), doc.tables)


def run_test_on(test: dict, content: str, tables: list[Table]) -> bool:
    """One test on one page's Markdown and its tables' grids."""
    page = int(test.get("page", 1))
    kind = test["type"]
    if kind in ("present", "absent"):
        return _presence(test, content)
    if kind == "order":
        return _order(test, content)
    if kind == "table":
        return _table(test, tables, page)
    if kind == "math":
        return _math(test, content)
    if kind == "baseline":
        return _baseline(test, content)
    if kind == "format":
        return _format(test, content)
    if kind == "footnote":
        return _footnote(test, content)
    raise ValueError(f"olmOCR-bench test {test.get('id')}: unknown type {kind!r}")


def load_tests(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def markdown_results(tests: list[dict], markdown: str) -> dict[str, bool]:
    """The tests on a model's raw page Markdown (one page), its tables read from the Markdown
    or HTML: what the published benchmark scores, to set beside pdfpipe's fused output."""
    from ..engines.base import PageInput
    from ..engines.vlm import reading_of
    from ..engines.vlm_markdown import parse_answer

    tables = reading_of(PageInput(Path("page.pdf"), 1), parse_answer(markdown).blocks).tables
    return {t["id"]: run_test_on({**t, "page": 1}, markdown, tables) for t in tests}


def score_olmocr(path: Path, doc: FusedDocument) -> dict:
    tests = load_tests(path)
    results = {t["id"]: run_test(t, doc) for t in tests}
    by_type: dict[str, list[bool]] = {}
    for t in tests:
        by_type.setdefault(t["type"], []).append(results[t["id"]])
    scores = {"olmocr_pass_rate": sum(results.values()) / len(results) if results else None}
    scores |= {f"olmocr_{k}": sum(v) / len(v) for k, v in by_type.items()}
    scores |= {f"olmocr_passed_{k}": sum(v) for k, v in by_type.items()}
    scores |= {f"olmocr_tests_{k}": len(v) for k, v in by_type.items()}
    scores["olmocr_failed"] = sorted(k for k, ok in results.items() if not ok)
    return scores


def score_recorded(tests_path: Path, markdown_path: Path) -> dict:
    """The same tests on a model's recorded Markdown for the page (``*.olmocr-pipeline.md``),
    to set beside pdfpipe's fused output in the same report."""
    tests = load_tests(tests_path)
    results = markdown_results(tests, markdown_path.read_text())
    return {
        "olmocr_recorded_passed": sum(results.values()),
        "olmocr_recorded_passed_non_math": sum(results[t["id"]] for t in tests if t["type"] != "math"),
    }
