"""BM25 over chunks in log-structured segments, so an update never re-indexes the whole corpus.

DuckDB's ``fts`` index is built once over a table and not updated in place.  Each catalog
update therefore indexes only its new chunks, as a segment of their own (a table ``seg_<n>``
with its ``fts`` index).  When ``FANOUT`` segments share a level they merge into one on the next
level, leaving out chunks that were replaced since: every chunk is re-indexed about
``log_FANOUT(corpus / update)`` times in its life, and a search asks a few segments.  BM25
statistics are per segment, as in Lucene between merges.
"""

from __future__ import annotations

FANOUT = 4
FTS_OPTIONS = "stemmer='porter', stopwords='english', strip_accents=1, lower=1, overwrite=1"


def _next_name(con) -> str:
    row = con.execute("SELECT coalesce(max(id), 0) + 1 FROM fts_segments").fetchone()
    return f"seg_{row[0]}"


def _index(con, name: str, level: int, select_sql: str, params: list) -> int:
    con.execute(f"CREATE TABLE {name} AS {select_sql}", params)
    count = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    if count == 0:
        con.execute(f"DROP TABLE {name}")
        return 0
    con.execute(f"PRAGMA create_fts_index('{name}', 'chunk_id', 'text', {FTS_OPTIONS})")
    con.execute("INSERT INTO fts_segments VALUES (?, ?, ?, ?)", [int(name[4:]), name, level, count])
    return count


def _drop(con, name: str) -> None:
    con.execute(f"PRAGMA drop_fts_index('{name}')")
    con.execute(f"DROP TABLE {name}")
    con.execute("DELETE FROM fts_segments WHERE name = ?", [name])


def add_segment(con, first_id: int, last_id: int) -> None:
    """Index the chunks with ids in ``[first_id, last_id]`` as a new level-0 segment, then merge
    full levels.  Runs inside the caller's transaction."""
    if last_id >= first_id:
        _index(
            con,
            _next_name(con),
            0,
            "SELECT chunk_id, concat_ws(' ', array_to_string(section, ' '), text) AS text "
            "FROM chunks WHERE chunk_id BETWEEN ? AND ?",
            [first_id, last_id],
        )
    level = 0
    while True:
        names = [
            r[0] for r in con.execute("SELECT name FROM fts_segments WHERE level = ? ORDER BY id", [level]).fetchall()
        ]
        if len(names) < FANOUT:
            break
        union = " UNION ALL ".join(f"SELECT chunk_id, text FROM {n}" for n in names)
        _index(
            con,
            _next_name(con),
            level + 1,
            f"SELECT * FROM ({union}) WHERE chunk_id IN (SELECT chunk_id FROM chunks)",
            [],
        )
        for name in names:
            _drop(con, name)
        level += 1


def drop_all(con) -> None:
    for (name,) in con.execute("SELECT name FROM fts_segments").fetchall():
        _drop(con, name)


BM25_K, BM25_B = 1.2, 0.75  # the fts extension's defaults


def _scores(n: str) -> str:
    """(chunk_id, BM25 score) of the chunks of segment ``n`` that hold a query term: the
    extension's own scoring, computed once for the matches instead of once per row of the
    segment (``match_bm25`` as a scalar is 3-5x slower on large segments)."""
    f = f"fts_main_{n}"
    return (
        f"WITH tokens AS (SELECT DISTINCT stem(unnest({f}.tokenize($q)), 'porter') AS t), "
        f"qterms AS (SELECT d.termid, d.df FROM {f}.dict d JOIN tokens ON d.term = tokens.t), "
        f"tf AS (SELECT t.docid, t.termid, count(*) AS tf FROM {f}.terms t "
        f"WHERE t.termid IN (SELECT termid FROM qterms) GROUP BY t.docid, t.termid), "
        f"st AS (SELECT num_docs, avgdl FROM {f}.stats) "
        f"SELECT docs.name AS chunk_id, sum(log((st.num_docs - q.df + 0.5) / (q.df + 0.5) + 1) * "
        f"(tf.tf * ({BM25_K} + 1)) / (tf.tf + {BM25_K} * (1 - {BM25_B} + {BM25_B} * docs.len / st.avgdl))) AS score "
        f"FROM tf JOIN qterms q ON q.termid = tf.termid JOIN {f}.docs docs ON docs.docid = tf.docid, st "
        "GROUP BY docs.name"
    )


def bm25(con, query: str, limit: int, where: str = "TRUE", params: dict | None = None) -> list[tuple[int, float]]:
    """(chunk_id, score) of the best ``limit`` chunks over all segments; replaced chunks are left
    out, and ``where`` filters on ``c`` (chunks) and ``d`` (documents)."""
    names = [r[0] for r in con.execute("SELECT name FROM fts_segments ORDER BY id").fetchall()]
    if not names:
        return []
    if where == "TRUE":  # best first in each segment, then drop the replaced: a join over k rows
        parts = [f"(SELECT chunk_id, score FROM ({_scores(n)}) ORDER BY score DESC LIMIT 2 * $k)" for n in names]
        sql = (
            f"SELECT chunk_id, score FROM ({' UNION ALL '.join(parts)}) "
            "WHERE chunk_id IN (SELECT chunk_id FROM chunks) ORDER BY score DESC LIMIT $k"
        )
    else:  # a filter on documents: filter first, so the best matches that pass are not cut off
        parts = [
            f"(SELECT s.chunk_id, s.score FROM ({_scores(n)}) s "
            f"JOIN chunks c ON c.chunk_id = s.chunk_id JOIN documents d ON d.key = c.key "
            f"WHERE ({where}) ORDER BY s.score DESC LIMIT $k)"
            for n in names
        ]
        sql = f"SELECT chunk_id, score FROM ({' UNION ALL '.join(parts)}) ORDER BY score DESC LIMIT $k"
    rows = con.execute(sql, {"q": query, "k": limit, **(params or {})}).fetchall()
    return [(int(i), float(s)) for i, s in rows]
