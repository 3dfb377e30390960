"""Messages as formatted text: one renderer for the messenger, the live chat, notices' previews and HTML email.

A small Markdown subset (bold, italic, inline code, code blocks, lists, quotes) and links, by markdown-it-py
with raw HTML off: whatever a person types is escaped, never markup. Links are made from URLs and email
addresses only (http, https, mailto), open in a new tab and tell the target nothing. There are no images
from URLs, no headings and no Markdown links, so text not meant as Markdown reads as typed ("# 3 in line",
"[draft]"). Names like "config.py" stay text: a bare domain becomes a link only for the common endings.
"""
from functools import lru_cache
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

# Bare "example.com" links only for these endings; "www." and "https://" link whatever follows.
FUZZY_TLDS = ['com', 'org', 'net', 'edu', 'gov', 'info', 'biz', 'io', 'app', 'dev', 'co', 'eu', 'pt', 'uk', 'de',
              'fr', 'es', 'it', 'nl', 'be', 'ch', 'at', 'ie', 'br', 'us', 'ca', 'au', 'se', 'no', 'dk', 'fi']
LINK_SCHEMES = ('http:', 'https:', 'mailto:')
LINK_ATTRIBUTES = {'target': '_blank', 'rel': 'noopener noreferrer nofollow'}


def _parser() -> MarkdownIt:
    md = MarkdownIt('zero', {'html': False, 'linkify': True, 'breaks': True}) \
        .enable(['linkify', 'emphasis', 'backticks', 'fence', 'code', 'list', 'blockquote', 'newline'])
    assert md.linkify is not None
    md.linkify.tlds(FUZZY_TLDS, keep_old=False)
    md.validateLink = lambda url: url.strip().lower().startswith(LINK_SCHEMES)  # type: ignore[method-assign]

    def link_open(renderer, tokens: list[Token], index: int, options, env) -> str:
        for name, value in LINK_ATTRIBUTES.items():
            tokens[index].attrSet(name, value)
        return renderer.renderToken(tokens, index, options, env)
    md.add_render_rule('link_open', link_open)
    return md


_MD = _parser()


# Characters (or a numbered line) without which Markdown changes nothing in the words of a text.
_MARKUP = re.compile(r'[*_`>\[\]\\<&!#~|+-]|^\s*\d+[.)]', re.M)


def to_html(text: str) -> str:
    """The message as safe HTML (escaped text, the Markdown subset, links): for email."""
    return _MD.render(text or '').strip()


@lru_cache(maxsize=4096)   # a thread draws the same messages on every page that opens it
def rich_html(text: str) -> str | None:
    """The message as safe HTML for a thread, or None when it is plain words (no markup, no link): the page shows
    those as typed, which costs the browser less than HTML for every message of a busy conversation."""
    tokens = _MD.parse(text or '')
    if len(tokens) == 3 and tokens[1].type == 'inline':
        children = tokens[1].children or []
        if all(c.type in ('text', 'softbreak') for c in children) and \
                ''.join(c.content if c.type == 'text' else '\n' for c in children) == text:
            return None
    return _MD.renderer.render(tokens, _MD.options, {}).strip()


def to_text(text: str) -> str:
    """The message as plain words (a preview, a notice): markup removed, links as their text."""
    if not _MARKUP.search(text or ''):
        return text or ''   # nothing for Markdown to take away (the send path's common case: no parse)
    return _words(text)


@lru_cache(maxsize=1024)
def _words(text: str) -> str:
    parts: list[str] = []
    for block in _MD.parse(text or ''):
        if block.type in ('fence', 'code_block'):
            parts.append(block.content.strip())
        elif block.type == 'inline':
            parts.append(''.join(child.content if child.type in ('text', 'code_inline') else
                                 '\n' if child.type in ('softbreak', 'hardbreak') else ''
                                 for child in block.children or ()))
    return '\n'.join(p for p in parts if p)
