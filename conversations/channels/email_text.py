"""The shopper's own words from an email: HTML turned into text, quoted history and
signatures cut off. Mail clients differ; these rules cover Gmail, Outlook, Apple Mail and
the plain-text conventions ("> " quotes, "-- " signatures)."""

import html
import re
from html.parser import HTMLParser

# Elements whose content is never the shopper's text.
SKIPPED = {"script", "style", "head", "title", "template"}
BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "li", "h1", "h2", "h3",
    "h4", "h5", "h6", "pre", "address", "hr",
}  # fmt: skip
# Classes and ids mail clients put around quoted history and signatures.
QUOTE_MARKERS = re.compile(r"\b(gmail_quote|gmail_signature|gmail_extra|yahoo_quoted|moz-cite-prefix)\b")
# Outlook starts the quoted original with one of these; everything after it is history.
HISTORY_IDS = {"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}
CELLS = {"td", "th"}
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping this element)
        self.skip_depth = 0
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        values = dict(attrs)
        marker = f"{values.get('class') or ''} {values.get('id') or ''}".lower()
        if (values.get("id") or "").lower() in HISTORY_IDS:
            self.stopped = True
            return
        skip = tag in SKIPPED or tag == "blockquote" or bool(QUOTE_MARKERS.search(marker))
        if tag in VOID:
            if not self.skip_depth:
                self.parts.append("\n" if tag == "br" else "\n\n" if tag == "hr" else "")
            return
        self.stack.append((tag, skip))
        if skip:
            self.skip_depth += 1
        elif not self.skip_depth:
            if tag in BLOCKS:
                self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if self.stopped or tag in VOID:
            return
        # Close up to the matching open tag (mail HTML is often unbalanced).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for _, skipped in self.stack[index:]:
                    if skipped:
                        self.skip_depth -= 1
                del self.stack[index:]
                if not self.skip_depth and tag in BLOCKS and tag != "li":
                    self.parts.append("\n")
                elif not self.skip_depth and tag in CELLS:
                    self.parts.append(" ")  # "ORD-1002</td><td>GPU" must not read "ORD-1002GPU"
                return

    def handle_data(self, data: str) -> None:
        if not self.stopped and not self.skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable text from an HTML mail body, without quoted history or signature blocks."""
    parser = _TextExtractor()
    parser.feed(markup or "")
    parser.close()
    text = html.unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# A line where quoted history begins: "On <date>, <who> wrote:" (often wrapped over two lines
# by Gmail), its translations, Outlook's separators and header blocks.
# German and Dutch put the verb before the sender ("Am ... schrieb Pat <pat@x>:"), so the colon
# may come after a name and address there.
_WROTE = r"((wrote|a écrit|escribió|ha scritto|escreveu)\s*|(schrieb|schreef)\s.{0,200}?):"
HISTORY_START = [
    re.compile(rf"^(On|Le|Am|El|Il|Op|Em)\s.{{0,300}}?{_WROTE}\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^Begin forwarded message:", re.IGNORECASE),
]
# Outlook's header block in the reader's language; French puts a space before the colon.
OUTLOOK_HEADER = re.compile(r"^\*?(From|De|Von|Van|Da)\s?:\*?\s.+", re.IGNORECASE)
OUTLOOK_HEADER_NEXT = re.compile(
    r"^\*?(Sent|Date|To|Subject|Cc|Envoyé|À|Objet|Gesendet|Datum|An|Betreff|Enviado|Fecha|Para|Asunto"
    r"|Inviato|Data|A|Oggetto|Verzonden|Aan|Onderwerp)\s?:\*?\s",
    re.IGNORECASE,
)
SIGNATURE_START = [
    re.compile(r"^-- ?$"),
    # Mobile mail apps' sign-offs in the phone's language: "Envoyé de mon iPhone", "Enviado desde
    # mi iPhone", "Von meinem iPhone gesendet", "Inviato da iPhone".
    re.compile(
        r"^(Sent|Envoyé|Enviado|Inviato|Verzonden|Gesendet|Enviada)\s(from|de|desde|da|von|met)\s"
        r"(my|mon|ma|mi|il mio|mijn|meinem|iPhone|iPad)\b",
        re.IGNORECASE,
    ),
    re.compile(r"^Von meinem \w+ gesendet", re.IGNORECASE),
    re.compile(r"^Sent from (Mail|Outlook|Yahoo Mail|Samsung|my)\b", re.IGNORECASE),
    re.compile(r"^Get Outlook for (iOS|Android)", re.IGNORECASE),
]


def reply_trim(text: str) -> str:
    """The new part of a reply: cut at the first line where quoted history or a signature
    begins, and drop "> " quoted lines. Returns the text unchanged when nothing would be left
    (a mail that is all quote is better kept than lost)."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        two_lines = f"{stripped}\n{lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(pattern.match(stripped) or pattern.match(two_lines) for pattern in HISTORY_START):
            break
        if OUTLOOK_HEADER.match(stripped) and any(
            OUTLOOK_HEADER_NEXT.match(following.strip()) for following in lines[index + 1 : index + 3]
        ):
            break
        if any(pattern.match(line.rstrip("\n")) or pattern.match(stripped) for pattern in SIGNATURE_START):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    trimmed = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return trimmed or (text or "").strip()
