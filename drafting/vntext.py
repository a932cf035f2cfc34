"""Vietnamese text helpers: NFC normalisation and a fold that tolerates case and tone placement.

`fold` keeps the length of NFC text (one folded character per character), so a regular expression
run on the folded text gives spans that index the original text too.
"""

from __future__ import annotations

import re
import unicodedata

# The five tone marks. Old ("hoà", "thuỷ") and new ("hòa", "thủy") placement differ only in which
# vowel carries the tone; dropping the tone makes both spellings fold alike.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2007": " ", "\u202f": " "})


def nfc(text: str) -> str:
    """`text` in NFC with non-breaking spaces as spaces and every dash as '-'."""
    return unicodedata.normalize("NFC", text).translate(_DASHES)


# Bullet glyphs as Word, LibreOffice and PDF text layers give them (Symbol-font private-use characters
# included): all read as the document's '-'.
BULLETS = "•·▪●○◦►➢✓\uf0b7\uf0a7\uf0d8\uf076\uf0fc\uf02d\uf0a8"
_BULLET_START = re.compile(f"^[{BULLETS}]\\s*")


def clean(text: str) -> str:
    """One line of document text: NFC, runs of spaces collapsed, ends stripped, a bullet glyph as '-'."""
    line = re.sub(r"[ \t\u200b\ufeff]+", " ", nfc(text)).strip()
    return _BULLET_START.sub("- ", line)


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.lower())
    kept = "".join(c for c in decomposed if c not in _TONES)
    out = unicodedata.normalize("NFC", kept)
    return out if len(out) == 1 else ch.lower()


_FOLD_CACHE: dict[str, str] = {}


def fold(text: str) -> str:
    """Lower-case, tone-less form of NFC `text`, of the same length (vowel qualities and đ kept)."""
    out = []
    for ch in text:
        f = _FOLD_CACHE.get(ch)
        if f is None:
            f = _FOLD_CACHE[ch] = _fold_char(ch)
        out.append(f)
    return "".join(out)


def ascii_fold(text: str) -> str:
    """`text` without any diacritic (đ as d), for codes and keys."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slug(text: str) -> str:
    """A lower-case ASCII key: 'Vĩnh Long' -> 'vinhlong'."""
    return re.sub(r"[^a-z0-9]+", "", ascii_fold(text).lower())


def is_upper(text: str) -> bool:
    """True when every letter of `text` is upper case (a heading in capitals)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def sentence_case(text: str, keep: tuple[str, ...] | list[str] = ()) -> str:
    """'CÔNG TÁC THÔNG TIN NĂM 2018' -> 'Công tác thông tin năm 2018', keeping the proper names in `keep`."""
    out = text.lower()
    for name in keep:
        out = re.sub(re.escape(name.lower()), name, out)
    return out[:1].upper() + out[1:]


_PUNCT = set(" \t.,;:!?()[]{}\"'/-–—_&%+*=<>#@…“”‘’•·§°|\\")


def odd_share(text: str) -> float:
    """Share of non-space characters that are neither Vietnamese letters, digits nor usual punctuation.

    Text decoded with the wrong legacy code page (e.g. TCVN3 read as Windows-1258) is full of symbols
    such as '¹' or '¬'; real Vietnamese text has almost none.
    """
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    odd = 0
    for c in chars:
        base = ascii_fold(c)
        if c.isdigit() or c in _PUNCT or (base.isascii() and base.isalpha()):
            continue
        odd += 1
    return odd / len(chars)
