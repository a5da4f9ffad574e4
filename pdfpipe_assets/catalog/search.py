"""Hybrid search over the catalog's chunks: BM25 plus vector similarity, fused by reciprocal rank.

Every hit is a chunk, so it points to a document, a section, pages and boxes on those pages.
Vectors are unit length, so the inner product is the cosine similarity; the scan is exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from . import segments

RRF_K = 60  # the usual reciprocal-rank constant
CANDIDATES = 50  # per ranking, before fusion
TITLE_MIN = 0.5  # share of words a title and a query must have in common to rank by title
TITLE_WEIGHT = 2.0
MODES = ("hybrid", "bm25", "vector")


@dataclass
class Filters:
    year: str | None = None  # "2009" or "2005-2010"
    author: str | None = None  # a part of any author's name
    title: str | None = None  # words that must all appear in the title

    def sql(self) -> tuple[str, dict]:
        where: list[str] = ["TRUE"]
        params: dict[str, object] = {}
        if self.year:
            low, _, high = self.year.partition("-")
            if not (low.strip().isdigit() and (not high or high.strip().isdigit())):
                raise ValueError(f"year {self.year!r}: give a year (2009) or a range (2005-2010)")
            where.append("d.year BETWEEN $y0 AND $y1")
            params |= {"y0": int(low), "y1": int(high or low)}
        if self.author:
            where.append("array_to_string(d.authors, '; ') ILIKE $author")
            params["author"] = f"%{self.author}%"
        for i, word in enumerate((self.title or "").split()):
            where.append(f"d.title ILIKE $t{i}")
            params[f"t{i}"] = f"%{word}%"
        return " AND ".join(where), params


@dataclass
class Hit:
    key: str
    title: str | None
    file_name: str
    page: int
    section: list[str]
    snippet: str
    score: float
    chunk_id: int
    ranks: dict[str, int] = field(default_factory=dict)  # rank in each ranking that found it
    anchors: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)


def vector_ranking(con, vector, model: str, limit: int, where: str, params: dict) -> list[tuple[int, float]]:
    """Exact inner-product scan over the chunks of the catalog's model (the documents join only
    when a filter needs it)."""
    join = "" if where == "TRUE" else "JOIN documents d ON d.key = c.key"
    sql = (
        "SELECT c.chunk_id, list_inner_product(c.embedding, $v::FLOAT[]) AS score FROM chunks c "
        f"{join} WHERE c.model = $model AND ({where}) ORDER BY score DESC LIMIT $k"
    )
    rows = con.execute(sql, {"v": [float(x) for x in vector], "model": model, "k": limit, **params}).fetchall()
    return [(int(i), float(s)) for i, s in rows]


def title_ranking(con, query: str, limit: int, where: str, params: dict) -> list[tuple[int, float]]:
    """Documents whose title shares most of its words with the query (Jaccard of word sets, at
    least ``TITLE_MIN``), each as the chunk that holds its title: a search by title finds the
    document, and the hit points at the title on its page."""
    words = "regexp_extract_all(lower({}), '[[:alnum:]]{{2,}}')"
    sql = (
        f"SELECT d.title_chunk_id, len(list_intersect(t.w, q.w)) / len(list_distinct(list_concat(t.w, q.w))) AS score "
        f"FROM documents d, (SELECT list_distinct({words.format('$q')}) AS w) q, "
        f"LATERAL (SELECT list_distinct({words.format('d.title')}) AS w) t "
        f"WHERE d.title IS NOT NULL AND d.title_chunk_id IS NOT NULL AND ({where}) AND score >= $min "
        "ORDER BY score DESC LIMIT $k"
    )
    rows = con.execute(sql, {"q": query, "k": limit, "min": TITLE_MIN, **params}).fetchall()
    return [(int(i), float(s)) for i, s in rows]


def fuse_rankings(rankings: dict[str, list[tuple[int, float]]], k: int = RRF_K) -> list[tuple[int, float, dict]]:
    """Reciprocal rank fusion: each chunk scores the sum of w/(k + rank) over the rankings, w = 1
    but for a title match, where w = ``TITLE_WEIGHT`` x its word overlap: a query that is a
    document's title finds that document before chunks that merely share its words."""
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ranking in rankings.items():
        for rank, (chunk_id, score) in enumerate(ranking, start=1):
            weight = TITLE_WEIGHT * score if name == "title" else 1.0
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
            ranks.setdefault(chunk_id, {})[name] = rank
    return sorted(((c, s, ranks[c]) for c, s in scores.items()), key=lambda t: -t[1])


def snippet(text: str, query: str, width: int = 220) -> str:
    """The part of ``text`` around the first query word it contains."""
    flat = " ".join(text.split())
    words = [w for w in re.findall(r"\w{3,}", query.lower())]
    at = min((i for w in words if (i := flat.lower().find(w)) >= 0), default=0)
    start = max(0, at - width // 3)
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def catalog_model(con) -> str | None:
    """The embedding model of most documents (the vectors a query must be compared with)."""
    row = con.execute(
        "SELECT embedding_model FROM documents WHERE embedding_model IS NOT NULL "
        "GROUP BY embedding_model ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def search(
    con,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    filters: Filters | None = None,
    embed: Callable[[str], object] | None = None,
) -> list[Hit]:
    """The ``k`` best chunks for ``query``; ``embed`` turns the query into a vector of the
    catalog's model (without it, or in ``bm25`` mode, ranking is BM25 alone)."""
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; modes: {', '.join(MODES)}")
    where, params = (filters or Filters()).sql()
    rankings: dict[str, list[tuple[int, float]]] = {}
    if mode in ("hybrid", "bm25"):
        rankings["bm25"] = segments.bm25(con, query, CANDIDATES, where, params)
    if mode == "hybrid":
        rankings["title"] = title_ranking(con, query, CANDIDATES, where, params)
    model = catalog_model(con) if mode in ("hybrid", "vector") and embed is not None else None
    if model and embed is not None:
        rankings["vector"] = vector_ranking(con, embed(query), model, CANDIDATES, where, params)
    fused = fuse_rankings(rankings)[:k]
    if not fused:
        return []
    ids = [c for c, _, _ in fused]
    rows = con.execute(
        "SELECT c.chunk_id, c.key, d.title, d.file_name, c.pages, c.section, c.text, c.anchors FROM chunks c "
        "JOIN documents d ON d.key = c.key WHERE c.chunk_id IN (SELECT unnest($ids))",
        {"ids": ids},
    ).fetchall()
    info = {r[0]: r for r in rows}
    hits = []
    for chunk_id, score, ranks in fused:
        _, key, title, file_name, pages, section, text, anchors = info[chunk_id]
        hits.append(
            Hit(
                key=key,
                title=title,
                file_name=file_name,
                page=pages[0] if pages else 0,
                section=list(section),
                snippet=snippet(text, query),
                score=round(score, 5),
                chunk_id=chunk_id,
                ranks=ranks,
                anchors=[dict(a) for a in anchors],
            )
        )
    return hits
