"""How common a word is, told by a word-piece vocabulary: the fewer pieces a word needs, the
more common it is. ``every`` is one piece and ``cvery`` two; ``Earthy`` two and ``Karthv``
three. The vocabulary is the SentencePiece tokenizer that ships in the wordllama wheel (its
``l2_supercat`` tokenizer, 32,000 pieces), so nothing is downloaded."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _tokenizer():
    import wordllama
    from tokenizers import Tokenizer

    (path,) = (Path(wordllama.__file__).parent / "tokenizers").glob("*.json")
    return Tokenizer.from_file(str(path))


def pieces(word: str) -> int:
    """The word-pieces ``word`` splits into."""
    return len(_tokenizer().encode(word, add_special_tokens=False).tokens)
