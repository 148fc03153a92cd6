"""`discourse show`: one document with its claims marked in place (holder, stance toward each
target), as terminal text or as a self-contained HTML page; the web view's document page uses
the same marking."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jinja2
import markupsafe

from discourse.errors import InputError
from discourse.use.output import open_output

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# ANSI colours of a claim by stance (terminal only; mixed = tags that disagree).
ANSI = {
    "favor": "32",
    "against": "31",
    "neutral": "33",
    "mixed": "35",
    "untagged": "36",
}


@dataclasses.dataclass(frozen=True)
class Tag:
    target: str
    target_name: str
    stance: str
    score: float | None
    uncertain: bool

    def describe(self) -> str:
        score = "" if self.score is None else f" (confidence {self.score:.2f})"
        unsure = ", unsure" if self.uncertain else ""
        return f"{self.stance} toward {self.target_name}{score}{unsure}"


@dataclasses.dataclass(frozen=True)
class Claim:
    """One claim of the document: where it is, who holds it, its stance tags."""

    number: int
    claim_id: int
    start: int
    end: int
    claim_type: str | None  # None: a sentence about a target that is not a claim
    holder: str
    holder_kind: str
    hedged: bool
    negated: bool
    tags: tuple[Tag, ...]

    @property
    def stance(self) -> str:
        """favor, against or neutral when every tag agrees; mixed or untagged otherwise."""
        stances = {t.stance for t in self.tags}
        if not stances:
            return "untagged"
        return stances.pop() if len(stances) == 1 else "mixed"

    def describe(self) -> str:
        holder = "the author" if self.holder_kind == "author" else f"{self.holder} (quoted)"
        kind = self.claim_type or "not a claim, about a target"
        extra = [kind] + ["hedged"] * self.hedged + ["negated"] * self.negated
        tags = "; ".join(t.describe() for t in self.tags) or "no stance tag"
        return f"held by {holder} · {', '.join(extra)} · {tags}"


@dataclasses.dataclass
class ShownDocument:
    document_id: int
    title: str | None
    source: str | None
    published: str | None
    author: str | None
    url: str | None
    text: str
    duplicate_of: int | None
    claims: list[Claim]

    @property
    def link(self) -> str | None:
        """The URL as a link target: http(s) only, never with user:password@."""
        return self.url if self.url and urlsplit(self.url).scheme in ("http", "https") else None

    def segments(self) -> list[tuple[str, Claim | None]]:
        """The text cut into plain runs and claims, in order (overlapping claims: the
        first one wins)."""
        out: list[tuple[str, Claim | None]] = []
        pos = 0
        for claim in sorted(self.claims, key=lambda c: (c.start, c.end)):
            start, end = max(claim.start, 0), min(claim.end, len(self.text))
            if start < pos or end <= start:
                log.warning("claim %d overlaps another or lies outside the text", claim.claim_id)
                continue
            if start > pos:
                out.append((self.text[pos:start], None))
            out.append((self.text[start:end], claim))
            pos = end
        if pos < len(self.text):
            out.append((self.text[pos:], None))
        return out


def display_url(url: str | None) -> str | None:
    """A stored URL fit to show: without the userinfo (user:password@) of its authority."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def load(corpus, ref: str | int) -> ShownDocument:
    """The document with id or URL ``ref`` (canonical URL or any URL it was seen under)."""
    doc_id = None
    text = str(ref).strip()
    if text.isdigit():
        doc_id = int(text)
    elif text:
        doc_id = corpus.documents.find([text])
    doc = corpus.documents.get(doc_id) if doc_id is not None else None
    if doc is None:
        raise InputError(
            f"{text!r}: no such document id or URL in the corpus. Find ids with "
            "`discourse query --documents WORDS` or in the web view (`discourse serve`)."
        )
    claims = []
    for n, c in enumerate(corpus.browse.document_claims(doc.id), 1):
        claims.append(
            Claim(
                number=n,
                claim_id=c["claim_id"],
                start=c["start"],
                end=c["end"],
                claim_type=c["claim_type"],
                holder=c["holder"],
                holder_kind=c["holder_kind"],
                hedged=bool(c["hedged"]),
                negated=bool(c["negated"]),
                tags=tuple(Tag(*t) for t in c["tags"]),
            )
        )
    return ShownDocument(
        document_id=doc.id,
        title=doc.title,
        source=doc.source,
        published=doc.published,
        author=doc.author,
        url=display_url(doc.canonical_url),
        text=doc.text,
        duplicate_of=doc.duplicate_of,
        claims=claims,
    )


# ---------------------------------------------------------------------- text


def render_text(doc: ShownDocument, *, color: bool = False) -> str:
    """The document for a terminal: each claim marked ``[n: ...]`` (coloured by stance when
    ``color``), then the list of claims with holder and stance."""

    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    head = [style(doc.title or "(untitled)", "1")]
    meta = [m for m in (doc.source, doc.published, doc.author) if m]
    if meta:
        head.append(" · ".join(meta))
    if doc.url:
        head.append(doc.url)
    if doc.duplicate_of:
        head.append(f"near-duplicate of document {doc.duplicate_of} (not annotated)")
    body = []
    for text, claim in doc.segments():
        if claim is None:
            body.append(text)
        elif color:
            body.append(style(f"[{claim.number}]", "1") + " " + style(text, ANSI[claim.stance]))
        else:
            body.append(f"[{claim.number}: {text}]")
    lines = ["\n".join(head), "", "".join(body).strip("\n"), ""]
    if doc.claims:
        lines.append(style(f"Claims ({len(doc.claims)})", "1"))
        for claim in doc.claims:
            lines.append(f"[{claim.number}] " + style(claim.stance, ANSI[claim.stance]))
            lines.append(f"    {claim.describe()}")
    else:
        lines.append("No claims found in this document (is it annotated? `discourse annotate`).")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- HTML


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def marked_html(doc: ShownDocument) -> markupsafe.Markup:
    """The document text as escaped HTML with each claim in a ``<mark>`` (class by stance,
    ``id="claim-ID"``, holder and stance in its title), for pages that embed it."""
    return markupsafe.Markup(_env().get_template("_marked.html").render(doc=doc))


def marked_css() -> str:
    """The style sheet of the marks (inline it: pages stay self-contained)."""
    return (TEMPLATES / "marked.css").read_text(encoding="utf-8")


def render_html(doc: ShownDocument) -> str:
    """One self-contained HTML page (inline CSS, no scripts, nothing fetched)."""
    return (
        _env()
        .get_template("show.html")
        .render(doc=doc, marked=marked_html(doc), css=markupsafe.Markup(marked_css()))
    )


def write(
    doc: ShownDocument, fmt: str, out: str | Path, *, color: bool = False, force: bool = False
) -> Path:
    """Write the document as ``text`` or ``html`` to ``out`` (the shared output rules:
    ``-`` is standard output, only a regular file is replaced, and only with ``force``)."""
    content = render_html(doc) if fmt == "html" else render_text(doc, color=color)
    with open_output(out, force=force) as fh:
        fh.write(content)
    return Path(out)
