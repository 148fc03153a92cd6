"""Main-text extraction: the article body of a news or blog page, without boilerplate.

Contract used by discourse.gather.extraction (and benchmarks/extraction.py):
    parse_html(html: str, url: str | None = None) -> HtmlElement | None
    main_text(html: str, url: str | None = None, tree=None) -> tuple[str, str]
returns (text, method): paragraphs separated by newlines, and the name of the
extractor whose output was chosen ("trafilatura", "trafilatura-full", "readability"
or "none"). The page is parsed once (parse_html) and the tree shared with the
metadata extraction; the libraries that change a tree get a copy.

Design: trafilatura's fast mode (favor_recall) does the extraction; this module corrects
its common failure modes, each with a cheap, general test (no per-site rules; the
measurements are in benchmarks/extraction.py), so the slower passes run only where the
fast one looks wrong:
1. the fast pass keeps a small part of the page's prose (an intro, a paywall or
   newsletter box): trafilatura's full mode (its own readability and jusText
   fallbacks) is asked, as trafilatura does when not told to be fast;
2. the body is split into sibling containers and trafilatura keeps only the first:
   when long paragraphs styled like the kept ones are missing, readability-lxml
   gives a second opinion, kept only if it contains trafilatura's text and more;
3. the headline is repeated at the top of the body;
4. the body ends with lines that are only link texts (related articles, "subscribe");
5. when the post container holds less than trafilatura's minimum, recall mode returns
   a dump of the page (menus, banners, a cookie notice): a short result keeps only
   the lines inside the post container, or on a page without one, the lines outside
   its chrome, so a one-paragraph post keeps its paragraph and a page of chrome is empty.
"""

from __future__ import annotations

import logging
import re
from copy import copy

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.settings import DEFAULT_CONFIG
from trafilatura.utils import repair_faulty_html
from trafilatura.xpaths import BODY_XPATH, OVERALL_DISCARD_XPATH

logger = logging.getLogger(__name__)

# trafilatura's parser settings. lxml.html picks each element's class (FormElement,
# InputElement, ...) in a Python callback whenever it hands out an element, which every
# pass over the tree paid for; no extractor here uses those classes, so all elements are
# HtmlElement, chosen in C (5% of the whole extraction's time, the same outputs).
_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement))

_TOKEN = re.compile(r"\w+")
# "is there a link whose whole text is $t?", evaluated in C over the parsed page
_IS_LINK_TEXT = etree.XPath("boolean(//a[normalize-space(.) = $t])")
# paragraphs with at least $n characters, found in C; Python's split() collapses more
# kinds of space than normalize-space, so these include all the long paragraphs
_LONG_P = etree.XPath("//p[string-length(normalize-space(.)) >= $n]")
# "which elements have exactly this text?", for placing a line of a short result
_WHOLE_TEXT = etree.XPath("//body//*[normalize-space(.) = $t]")
# trafilatura's own "too little text" mark, below which it engages its fallbacks
_MIN_SIZE = DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")
# trafilatura's first two ways to find an article's body (content classes such as
# entry-content or post-body, itemprop=articleBody, then <article>): a short text
# inside one of these is the post itself, not a dump of the page's chrome
_POST_CONTAINERS = BODY_XPATH[:2]
# the page's head and chrome, around its content on a page without a post container
_CHROME = etree.XPath("//head|//nav|//header|//footer|//aside|//form")
# the options every trafilatura pass shares: plain text, no comments, tables kept
_TRAFILATURA = {
    "include_comments": False,
    "include_tables": True,
    "output_format": "txt",
    "with_metadata": False,
}
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "td",
    "th",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "figure",
    "dd",
    "dt",
}


def _tokens(text: str) -> str:
    """Lower-cased word tokens joined by single spaces, for punctuation-blind matching."""
    return " ".join(_TOKEN.findall(text.lower()))


def parse_html(html: str, url: str | None = None):
    """The page's lxml tree, parsed once for every extractor, or None if there is none.

    Parsed as trafilatura's own loader parses (its repairs, no comments or processing
    instructions), so that its passes see the tree they would build themselves. A str
    that begins with an XML declaration naming an encoding (which lxml refuses in a
    str) is parsed as UTF-8 bytes, the encoding it is then in. A page that gives no
    tree is logged as a warning."""
    if not html or not html.strip():
        return None
    html = repair_faulty_html(html, html[:50].lower())
    tree = None
    try:
        try:
            tree = lxml.html.fromstring(html, parser=_PARSER)
        except ValueError:  # "Unicode strings with encoding declaration are not supported"
            tree = lxml.html.fromstring(html.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (ValueError, etree.LxmlError) as exc:  # e.g. ParserError("Document is empty")
        logger.warning("%s: the page could not be parsed (%s)", url or "page", exc)
        return None
    if "html" not in html[:50].lower() and len(tree) < 2:
        # trafilatura's test for "not HTML at all": no <html> and a lone element
        logger.warning("%s: not an HTML document", url or "page")
        return None
    return tree


def _titles(tree) -> list[str]:
    """Headline candidates as token strings: <title>, og:/twitter:title, <h1>."""
    found = [e.text_content() for e in tree.iter("title", "h1")]
    for m in tree.iter("meta"):
        if (m.get("property") or m.get("name") or "").lower() in ("og:title", "twitter:title"):
            found.append(m.get("content") or "")
    return [t for t in map(_tokens, found) if t]


def _strip_headline(lines: list[str], titles: list[str], head: int = 3) -> list[str]:
    """Drop lines among the first `head` that repeat the headline: an article body does
    not include its title, yet trafilatura keeps it when the <h1> sits inside the
    article container. A line counts if it equals a candidate or is at least half of
    one (<title> often reads "Headline | Site name")."""
    kept = []
    for line in lines[:head]:
        lt = _tokens(line)
        if " " in lt and any(
            lt == t or (f" {lt} " in f" {t} " and len(lt) >= 0.5 * len(t)) for t in titles
        ):
            continue
        kept.append(line)
    return kept + lines[head:]


def _strip_link_tail(lines: list[str], tree) -> list[str]:
    """Drop trailing lines whose whole text is the text of a link on the page: lists
    of related articles and "subscribe"/"comments" calls that follow the body. Prose
    that merely contains links is kept, and so is a page that is mostly links (a link
    round-up post): the run goes only if at least as many lines remain."""
    end = len(lines)
    while end:
        line = " ".join(lines[end - 1].split())
        if line and not _IS_LINK_TEXT(tree, t=line):
            break
        end -= 1
    return lines[:end] if end >= len(lines) - end else lines


def _missing_text(tree, text: str, min_len: int = 120) -> tuple[int, int]:
    """Characters of the page's long paragraphs that are absent from `text`: those in
    the same kind of container (parent tag and class) as a paragraph that is present
    (all absent ones if none is present), and all absent ones.

    Paragraphs styled like the kept ones but left out are the body's continuation
    (trafilatura stopped at the first of several sibling body blocks); comments,
    teasers and footers live in differently named containers and count only in the
    second figure, which says how much of the page's prose the text leaves out."""
    flat = " ".join(text.split())
    kept, missing = set(), []
    for p in _LONG_P(tree, n=min_len):
        s = " ".join(p.text_content().split())
        if len(s) < min_len:
            continue
        parent = p.getparent()
        sig = (parent.tag, parent.get("class")) if parent is not None else None
        if s[:60] in flat:
            kept.add(sig)
        else:
            missing.append((sig, len(s)))
    styled = sum(n for sig, n in missing if sig in kept or not kept)
    return styled, sum(n for _, n in missing)


def _content_lines(tree, text: str) -> list[str]:
    """The lines of a short result that are the page's content: inside its post
    container when it has one (see _POST_CONTAINERS), otherwise outside its chrome
    (head, navigation, header, footer, sidebars, forms, and what trafilatura itself
    discards as boilerplate: cookie notices, newsletter boxes, share bars, ...).

    A line is placed by the elements whose whole text it is (a headline that also
    occurs inside a sentence of the post is the headline); a line that is no element's
    whole text (text beside a <br>) by the words of the content around it."""
    posts = [
        el
        for xpath in _POST_CONTAINERS
        for el in xpath(tree)
        if next(el.iterancestors("nav", "footer", "aside"), None) is None
    ]
    if posts:
        regions, marks, wanted = posts, set(posts), True
    else:
        # the chrome pruned from a copy: the shared tree must stay whole
        chrome = [*OVERALL_DISCARD_XPATH, _CHROME]
        regions = [prune_unwanted_nodes(copy(tree), chrome)]
        marks, wanted = {el for xpath in chrome for el in xpath(tree)}, False

    def placed(el) -> bool:  # inside a post container, or outside all chrome
        return any(a in marks for a in (el, *el.iterancestors())) is wanted

    words = [f" {_tokens(' '.join(el.itertext()))} " for el in regions]
    kept = []
    for line in text.split("\n"):
        flat = " ".join(line.split())
        if not _tokens(flat):
            continue
        whole = _WHOLE_TEXT(tree, t=flat)
        if whole:
            if any(placed(el) for el in whole):
                kept.append(line)
        elif any(f" {_tokens(flat)} " in w for w in words):
            kept.append(line)
    return kept


def _readability(html: str) -> str:
    """readability-lxml's summary as text, one line per block element."""
    from readability import Document  # imported on first use: most pages never need it

    try:
        summary = Document(html).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # readability raises its own Unparseable as well as lxml errors
        return ""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
    lines = (" ".join(ln.split()) for ln in root.text_content().split("\n"))
    return "\n".join(ln for ln in lines if ln)


def _shingles(text: str, n: int = 4) -> set:
    t = _TOKEN.findall(text.lower())
    return {tuple(t[i : i + n]) for i in range(max(1, len(t) - n + 1))} if t else set()


def _covers(big: str, small: str, share: float = 0.8) -> bool:
    """True if most 4-token shingles of `small` also occur in `big`."""
    s = _shingles(small)
    return bool(s) and len(s & _shingles(big)) >= share * len(s)


def _trafilatura(tree, url: str | None, **mode) -> str:
    """One trafilatura pass over a copy of the shared tree (trafilatura copies a tree it
    is given before it changes it)."""
    return trafilatura.extract(tree, url=url, **_TRAFILATURA, **mode) or ""


def main_text(html: str, url: str | None = None, tree=None) -> tuple[str, str]:
    """Article text of `html` (paragraphs separated by "\\n") and the method used.
    `tree` is the page as parse_html returns it, when the caller has parsed it already."""
    if tree is None:
        tree = parse_html(html, url)
    if tree is None:
        return "", "none"
    # favor_recall measured both more accurate and ~20% faster than the default
    # balance here (it skips trafilatura's recall-escalation pass); the clean-ups
    # below recover precision.
    text = _trafilatura(tree, url, fast=True, favor_recall=True)
    if text and len(text) < 2 * _MIN_SIZE:
        # so little is either a short post or recall mode's rescue dump of the whole
        # page (menus, banners, a cookie notice) because the post container held less
        # than trafilatura's minimum: only the lines that are the page's content stay.
        # A one-paragraph post keeps its paragraph; a page of chrome keeps nothing.
        text = "\n".join(_content_lines(tree, text))
    method = "trafilatura" if text else "none"
    styled_missing, all_missing = _missing_text(tree, text)
    if len(text) < 2 * _MIN_SIZE and all_missing > max(len(text), 300):
        # the fast pass kept a paragraph or two of a page with much more prose (an
        # intro, a paywall or newsletter box): trafilatura's full mode weighs its
        # readability and jusText fallbacks against its own result, as trafilatura
        # does unless told to be fast. Only short results: on longer ones the missing
        # prose was mostly teasers and comments, and full mode took them in.
        full = _trafilatura(tree, url)
        if len(full) > 1.2 * len(text):
            text, method = full, "trafilatura-full"
            styled_missing, _ = _missing_text(tree, text)
    if styled_missing > max(0.5 * len(text), 300):
        alt = _readability(html)
        # keep the second opinion only if it is clearly longer and contains most of
        # trafilatura's text (a superset, not another part of the page)
        if len(alt) > 1.5 * len(text) and (not text or _covers(alt, text)):
            text, method = alt, "readability"
    lines = _strip_headline(text.split("\n"), _titles(tree)) if text else []
    text = "\n".join(_strip_link_tail(lines, tree)).strip()
    return text, method if text else "none"
