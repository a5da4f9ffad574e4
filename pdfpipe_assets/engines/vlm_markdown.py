"""A page VLM's answer (Markdown, HTML, or Markdown with HTML tables) as labelled blocks in the
model's reading order.  Pure text in, blocks out: geometry is ``vlm_alignment``'s job."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..contracts import Cell, Table
from ..contracts.geometry import BBox
from ..contracts.layout import RegionLabel


@dataclass
class GridCell:
    row: int
    col: int
    row_span: int
    col_span: int
    text: str


@dataclass
class Grid:
    rows: int
    cols: int
    header_rows: int
    cells: list[GridCell]


@dataclass
class PageBlock:
    label: RegionLabel
    text: str
    grid: Grid | None = None  # a table's cells


@dataclass
class PageAnswer:
    blocks: list[PageBlock]
    front_matter: dict[str, str] = field(default_factory=dict)


_FRONT = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_FENCE = re.compile(r"\A\s*```[a-zA-Z]*\s*\n(.*?)\n```\s*\Z", re.S)
_SPECIAL = re.compile(
    r"(?P<table><table\b.*?</table>)|(?P<math>^\s*(?:\$\$.*?\$\$|\\\[.*?\\\])\s*$)|(?P<code>^```.*?^```)",
    re.S | re.M | re.I,
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^\s*(?:[-*+•]\s+|(?=\d{1,4}[.)]\s))(.*)$")  # a number is the item's text: "150. ..."
_IMAGE = re.compile(r"^!\[([^\]]*)\]\([^)]*\)$")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_HTML_BLOCKS = re.compile(r"<(p|h[1-6]|ul|ol|li|div|table|math)\b", re.I)


def parse_answer(answer: str) -> PageAnswer:
    """Blocks of one page's answer; YAML front matter (olmOCR's) is read, not kept as text."""
    text = answer.replace("\r\n", "\n")
    front: dict[str, str] = {}
    if m := _FRONT.match(text):
        for line in m.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip():
                front[key.strip()] = value.strip()
        text = text[m.end() :]
    if m := _FENCE.match(text):
        text = m.group(1)
    if text.lstrip().startswith("<") and _HTML_BLOCKS.search(text):
        return PageAnswer(_html_blocks(text), front)
    blocks: list[PageBlock] = []
    pos = 0
    for m in _SPECIAL.finditer(text):
        blocks += _markdown_blocks(text[pos : m.start()])
        chunk = m.group(0).strip()
        if m.group("table"):
            blocks.append(PageBlock("table", chunk, html_grid(chunk)))
        elif m.group("math"):
            blocks.append(PageBlock("formula", chunk))
        else:
            blocks.append(PageBlock("code", chunk.strip("`").split("\n", 1)[-1].strip()))
        pos = m.end()
    blocks += _markdown_blocks(text[pos:])
    return PageAnswer([b for b in blocks if b.text.strip()], front)


def _plain(text: str) -> str:
    return _EMPHASIS.sub(r"\2", text).strip()


def _markdown_blocks(text: str) -> list[PageBlock]:
    blocks: list[PageBlock] = []
    para: list[str] = []
    pipes: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(PageBlock("text", _plain(" ".join(s.strip() for s in para))))
            para.clear()
        if pipes:
            raw = "\n".join(pipes)
            blocks.append(PageBlock("table", raw, pipe_grid(pipes)))
            pipes.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|"):
            if para:
                flush()
            pipes.append(stripped)
            continue
        if pipes:
            flush()
        if not stripped:
            flush()
        elif h := _HEADING.match(stripped):
            flush()
            blocks.append(PageBlock("section-header", _plain(h.group(2).strip("# "))))
        elif img := _IMAGE.match(stripped):
            flush()
            blocks.append(PageBlock("picture", img.group(1)))
        elif item := _ITEM.match(line):
            flush()
            blocks.append(PageBlock("list-item", _plain(item.group(1))))
        elif blocks and blocks[-1].label == "list-item" and not para and line[:1].isspace():
            blocks[-1].text += " " + _plain(stripped)  # an item's continuation line
        else:
            para.append(stripped)
    flush()
    return blocks


def _split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|")) if line.strip() not in ("|", "||") else [""]
    return [_plain(c.replace("\\|", "|").replace("<br>", " ")) for c in cells]


def pipe_grid(lines: list[str]) -> Grid:
    """A pipe table; rows above a ``---`` separator are its header."""
    rows: list[list[str]] = []
    header_rows = 0
    for line in lines:
        cells = _split_row(line)
        if cells and all(re.fullmatch(r":?-{2,}:?", c.strip()) for c in cells if c.strip()) and any(cells):
            header_rows = len(rows)
            continue
        rows.append(cells)
    cols = max((len(r) for r in rows), default=0)
    cells_out = [GridCell(r, c, 1, 1, text) for r, row in enumerate(rows) for c, text in enumerate(row)]
    return Grid(len(rows), cols, header_rows, cells_out)


class _TableReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, int, int, bool]]] = []
        self.cell: list[str] | None = None
        self.span = (1, 1, False)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            if not self.rows:
                self.rows.append([])
            self.cell = []
            self.span = (_int(a.get("rowspan")), _int(a.get("colspan")), tag == "th")
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append((" ".join("".join(self.cell).split()), *self.span))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def grid_table(grid: Grid, page: int, bbox: BBox) -> Table:
    """A parsed grid as a table on the page; its cells carry the table's box (no cell geometry)."""
    cells = [
        Cell(row=c.row, col=c.col, row_span=c.row_span, col_span=c.col_span, bbox=bbox, text=c.text) for c in grid.cells
    ]
    return Table.of_cells(page, bbox, cells, grid.rows, grid.cols, grid.header_rows)


def _int(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def html_grid(html: str) -> Grid:
    """An HTML table with its spans placed on the grid; leading rows of ``<th>`` are its header."""
    reader = _TableReader()
    reader.feed(html)
    taken: set[tuple[int, int]] = set()
    cells: list[GridCell] = []
    header_rows = 0
    for r, row in enumerate(reader.rows):
        c = 0
        if row and all(is_th for *_, is_th in row) and header_rows == r:
            header_rows = r + 1
        for text, row_span, col_span, _ in row:
            while (r, c) in taken:
                c += 1
            cells.append(GridCell(r, c, row_span, col_span, text))
            taken |= {(r + i, c + j) for i in range(row_span) for j in range(col_span)}
            c += col_span
    rows = max((r + 1 for r, _ in taken), default=0)
    cols = max((c + 1 for _, c in taken), default=0)
    return Grid(rows, cols, header_rows, cells)


_BLOCK_LABEL: dict[str, RegionLabel] = {
    **{f"h{i}": "section-header" for i in range(1, 7)},
    "p": "text",
    "li": "list-item",
    "math": "formula",
    "pre": "code",
    "blockquote": "text",
    "figcaption": "caption",
}


class _BlockReader(HTMLParser):
    """Top-level text blocks of an HTML answer; tables kept whole."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.blocks: list[PageBlock] = []
        self.label: RegionLabel | None = None
        self.text: list[str] = []
        self.table_depth = 0
        self.table_start = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.text).split())
        if text:
            self.blocks.append(PageBlock(self.label or "text", text))
        self.text, self.label = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            if self.table_depth == 0:
                self._flush()
                self.table_start = self._offset()
            self.table_depth += 1
        elif self.table_depth:
            return
        elif tag in _BLOCK_LABEL or tag == "div":
            self._flush()
            self.label = _BLOCK_LABEL.get(tag, "text")
        elif tag == "img":
            self._flush()
            alt = dict(attrs).get("alt") or ""
            self.blocks.append(PageBlock("picture", alt or "picture"))
        elif tag == "br":
            self.text.append(" ")

    def handle_endtag(self, tag):
        if tag == "table" and self.table_depth:
            self.table_depth -= 1
            if self.table_depth == 0:
                end = self.source.lower().find("</table>", self.table_start)
                html = self.source[self.table_start : end + len("</table>") if end >= 0 else None]
                self.blocks.append(PageBlock("table", html, html_grid(html)))
        elif not self.table_depth and (tag in _BLOCK_LABEL or tag == "div"):
            self._flush()

    def handle_data(self, data):
        if not self.table_depth:
            self.text.append(data)

    def _offset(self) -> int:
        line, col = self.getpos()
        starts = [0] + [i + 1 for i, ch in enumerate(self.source) if ch == "\n"]
        return starts[line - 1] + col


def _html_blocks(html: str) -> list[PageBlock]:
    reader = _BlockReader(html)
    reader.feed(html)
    reader.close()
    reader._flush()
    return reader.blocks
