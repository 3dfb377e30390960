"""Cleaning text from people and mail before it is stored: one rule for names, titles, subjects and bodies.

Removed: control characters (not tab or newline in bodies), bidirectional overrides and isolates
(they can make "gpj.exe" read "exe.jpg"), and invisible zero-width spaces and word joiners that
let "Alice​Admin" pass for "Alice Admin". Kept: every visible character, emoji (with their zero-width
joiners) and combining marks.
"""
_INVISIBLE = [*range(32), 127, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF]
_BODY = {c: None for c in _INVISIBLE if c not in (9, 10)}


def clean_text(text: str | None) -> str:
    """A multi-line text as stored: line endings normalised, invisible and control characters removed."""
    return (text or '').replace('\r\n', '\n').replace('\r', '\n').translate(_BODY)


def one_line(text: str | None) -> str:
    """A name, title or subject: one line, spaces collapsed, nothing invisible (also safe in mail headers)."""
    return ' '.join(clean_text(text).split())
