"""Formatted messages: the Markdown subset, links, and text that is not Markdown reading as typed."""
import pytest

from services.emails import render
from services.richtext import rich_html, to_html, to_text

REL = 'target="_blank" rel="noopener noreferrer nofollow"'


def test_the_subset_bold_italic_code_lists_quotes():
    html = to_html('**bold** _italic_ `code`\n\n- one\n- two\n\n1. first\n\n> quoted\n\n```\nblock <b>\n```')
    assert '<strong>bold</strong>' in html and '<em>italic</em>' in html and '<code>code</code>' in html
    assert '<ul>\n<li>one</li>' in html and '<ol>\n<li>first</li>' in html
    assert '<blockquote>\n<p>quoted</p>' in html
    assert '<pre><code>block &lt;b&gt;\n</code></pre>' in html


@pytest.mark.parametrize('text, link', [
    ('see https://example.com/a?b=1&c=2 now', f'<a href="https://example.com/a?b=1&amp;c=2" {REL}>'),
    ('mail ana@example.pt', f'<a href="mailto:ana@example.pt" {REL}>'),
    ('www.parley.pt', f'<a href="http://www.parley.pt" {REL}>'),
    ('docs at example.com/help', f'<a href="http://example.com/help" {REL}>'),
])
def test_urls_and_addresses_become_links_that_open_in_a_new_tab(text, link):
    assert link in to_html(text)


@pytest.mark.parametrize('text', [
    'javascript:alert(1)', '[click](javascript:alert(1))', 'ftp://files.example.com/x', 'data:text/html,<b>x</b>',
    'vbscript:msgbox', 'edit config.py and README.md',
])
def test_nothing_else_becomes_a_link_or_an_image(text):
    html = to_html(text)
    assert '<a ' not in html and '<img' not in html


def test_an_image_from_a_url_is_a_link_to_it_never_loaded():
    html = to_html('![x](https://example.com/track.png)')
    assert '<img' not in html and f'<a href="https://example.com/track.png" {REL}>' in html


def test_raw_html_is_text():
    html = to_html('<script>alert(1)</script> <img src=x onerror=alert(1)> <b>bold?</b>')
    assert '<script' not in html and '<img' not in html and '<b>' not in html
    assert '&lt;script&gt;alert(1)&lt;/script&gt;' in html


def test_text_not_meant_as_markdown_reads_as_typed():
    assert to_html('# 3 in line\n[draft] ok') == '<p># 3 in line<br>\n[draft] ok</p>'
    assert to_text('Order #123\nsee you') == 'Order #123\nsee you'


def test_previews_are_the_words_without_markup():
    assert to_text('**Hi** see `x` at https://example.com\n- one') == 'Hi see x at https://example.com\none'


def test_the_html_email_shows_the_same_formatting_and_the_text_part_stays_plain():
    message = type('M', (), {'id': 1, 'body': '**Your order** ships today: https://example.com/track'})()
    author = type('A', (), {'name': 'Alice'})()
    text, html = render('customer_email', new=[(message, author)], history=[], link='https://x/chat', team='Acme',
                        files={})
    assert '<strong>Your order</strong>' in html and f'href="https://example.com/track" {REL}' in html
    assert '**Your order** ships today: https://example.com/track' in text


@pytest.mark.parametrize('text', ['hello there', 'two\nlines', 'a <b>x</b> & "y"', '2*3', 'snake_case', 'Olá!'])
def test_plain_words_are_shown_as_typed_without_html(text):
    assert rich_html(text) is None and to_text(text) == text


@pytest.mark.parametrize('text', ['**b**', 'see example.com', '- item', 'x\n\ny', '> quote', '`code`'])
def test_anything_markdown_changes_gets_its_html(text):
    assert rich_html(text) == to_html(text)
