"""Import a folder of .md, .html and .txt files as articles, idempotently.

A file is matched to its article by its path relative to the folder (then by slug); a file
whose bytes have not changed since the last import is left alone. Binary, empty, oversized
and undecodable files are skipped with a reason; one bad file never stops the rest.
"""

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.utils.text import slugify

from knowledge.models import Article
from knowledge.services import article_save
from supportdesk.errors import ApplicationError
from tenants.models import Tenant

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
MAX_FILE_BYTES = 1_000_000
MD_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass
class IngestReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class _HtmlToMarkdown(HTMLParser):
    """Headings, paragraphs, list items and links as Markdown; scripts, styles and tags dropped."""

    BLOCKS = {"p", "div", "section", "article", "br", "tr", "table", "ul", "ol", "blockquote", "pre"}
    SKIP = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag in {"strong", "b"}:
            self.out.append("**")
        elif tag in {"em", "i"}:
            self.out.append("*")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self._href = href if href.startswith(("http://", "https://", "mailto:", "/")) else None
            if self._href:
                self.out.append("[")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag in {"strong", "b"}:
            self.out.append("**")
        elif tag in {"em", "i"}:
            self.out.append("*")
        elif tag == "a" and self._href:
            self.out.append(f"]({self._href})")
            self._href = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.out.append(re.sub(r"\s+", " ", data))

    def markdown(self) -> str:
        text = "".join(self.out)
        lines = [line.strip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise ValueError("binary file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Files saved by older Windows editors; Windows-1252 decodes all but five bytes.
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValueError("not text in UTF-8 or Windows-1252; re-save the file as UTF-8") from exc


def parse_file(path: Path, raw: bytes) -> tuple[str, str]:
    """(title, markdown body) from a file's bytes; ValueError with a reason when it cannot be used."""
    kind = SUFFIXES[path.suffix.lower()]
    text = _decode(raw).replace("\r\n", "\n").replace("\r", "\n")
    if kind == "html":
        parser = _HtmlToMarkdown()
        parser.feed(text)
        parser.close()
        body, title = parser.markdown(), parser.title.strip()
    else:
        body, title = text.strip(), ""
    if not body.strip():
        raise ValueError("empty file")
    heading = MD_HEADING.search(body) if kind != "text" else None
    if heading:
        title = heading.group(1).strip()
        # The title is shown above the article; do not repeat it as the first line of the body.
        if body.startswith(heading.group(0)):
            body = body[len(heading.group(0)) :].strip()
    if not title:
        title = re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.stem
    return title[:255], body


def ingest_directory(
    *, tenant: Tenant, root: Path, status: str = Article.Status.PUBLISHED, actor: AbstractBaseUser | None = None
) -> IngestReport:
    root = Path(root)
    if not root.is_dir():
        raise ApplicationError(f"{root} is not a folder.", code="not_a_folder")
    report = IngestReport()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        relative = path.relative_to(root).as_posix()
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            slug = slugify(Path(relative).with_suffix("").as_posix().replace("/", "-"))
            articles = Article.objects.for_tenant(tenant)
            article = articles.filter(source_path=relative).first() or articles.filter(slug=slug).first()
            if article is not None and article.source_hash == digest:
                report.unchanged.append(relative)
                continue
            title, body = parse_file(path, raw)
        except (OSError, ValueError) as exc:
            report.skipped.append((relative, str(exc)))
            continue
        is_new = article is None
        if is_new:
            article = Article(tenant=tenant, status=status, slug=slug)
        article.title, article.body = title, body
        article.source_path, article.source_hash = relative, digest
        try:
            article_save(article=article, actor=actor, note=f"imported from {relative}")
        except ApplicationError as exc:
            report.skipped.append((relative, exc.message))
            continue
        (report.created if is_new else report.updated).append(relative)
    return report
