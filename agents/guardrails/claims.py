"""A reply may say an action happened only when a tool result of this turn says so.

Each kind of action has the phrasings that claim it, in any tense, in English, Spanish, French
and German (``phrases``, ``phrases_intl``). A claim is grounded by a successful call of the tool
that does it, or by order data read this turn showing the order already in that state; when the
sentence names orders (however written: "ord-1001", "#1001", "order number 1001"), by each of
them, and a claim about "your other orders" or "all of them" is not grounded by one refund.
Offers, negations and conditions ("I can cancel it", "shall I refund?", "it can't be cancelled",
"once approved you'll get...") claim nothing; idioms that only look like one ("no worries, your
refund is done", "after all that I've cancelled it") and questions that are no offer ("would you
believe it, your refund went through?") do not hide a claim."""

import re
from dataclasses import dataclass

from agents.guardrails.normal import normal_text
from agents.guardrails.phrases import ENGLISH, GAP, Claim, Language
from agents.guardrails.phrases_intl import LANGUAGES
from agents.guardrails.sources import Sources
from agents.guardrails.text import OrderRef, order_ref, order_refs, sentences

ALL_LANGUAGES: tuple[Language, ...] = (ENGLISH, *LANGUAGES)
STATUS_WORD = re.compile(r"\b(pending|paid|shipped|delivered|cancell?ed|returned|refunded)\b", re.IGNORECASE)
# Said inside an offer, still a report: "shall I tell you that I've refunded it?"
DECLARED = re.compile(r"\b(i|we)('ve|\s+have|\s+had)\b|\b(has|have|'s)\s+been\b|\bis\s+now\b|\bwas\b", re.IGNORECASE)
# A question opening on a negative ("isn't it great that your order has been cancelled?") asks
# for agreement: the negation is not the claim's.
RHETORICAL = re.compile(
    r"^\W*(isn't|aren't|wasn't|weren't|didn't|don't|doesn't|won't|haven't|hasn't|wouldn't)\b", re.IGNORECASE
)
# Orders the claim is about without naming them: never grounded by the orders acted on ...
OTHERS = re.compile(
    rf"\b(other|remaining|rest of|every|all)\b{GAP}{{0,20}}?\borders?\b|\b(everything|all of them|them all|the others"
    r"|the rest|everything else)\b",
    re.IGNORECASE,
)
# ... or grounded only when several were.
SEVERAL = re.compile(rf"\b(both|each|several|multiple|two|three)\b{GAP}{{0,20}}?\borders?\b|\borders\b", re.IGNORECASE)
CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s|\b(but|pero|mais|aber)\b", re.IGNORECASE)
JOINED = re.compile(r"\s*(,|&|/|\+|and|or|y|et|und|,\s*and|as well as|plus)?\s*(order\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class About:
    """The orders a claim is about."""

    refs: tuple[OrderRef, ...] = ()
    others: bool = False  # "your other orders", "all of them"
    several: bool = False  # "both orders"


@dataclass(frozen=True)
class Evidence:
    """What this turn's tool calls show: successful actions per tool (and the orders they were on),
    order statuses read, and whether a person was brought in."""

    done: dict[str, set[str]]  # tool -> order numbers acted on ("" for a call without one)
    statuses: dict[str, str]  # order number -> status, as a tool returned it
    escalated: bool

    @classmethod
    def of(cls, calls, *, escalated: bool = False) -> "Evidence":
        done: dict[str, set[str]] = {}
        statuses: dict[str, str] = {}
        for name, arguments, status, data in calls:
            data = data if isinstance(data, dict) else {}
            if status == "ok":
                number = str((arguments or {}).get("order_number") or "").strip().upper()
                done.setdefault(name, set()).add(number)
            if status == "needs_review":
                escalated = True  # "a member of our team will review it"
            orders = [data["order"]] if isinstance(data.get("order"), dict) else []
            orders += [o for o in data.get("orders") or [] if isinstance(o, dict)]
            for order in orders:
                if order.get("number") and order.get("status"):
                    statuses[str(order["number"]).upper()] = str(order["status"])
        return cls(done=done, statuses=statuses, escalated=escalated or "escalate_to_human" in done)

    @property
    def prefixes(self) -> set[str]:
        """The order prefixes of this store, as far as this turn shows them ("ORD")."""
        numbers = {n for acted in self.done.values() for n in acted} | set(self.statuses)
        return {ref.prefix for ref in map(order_ref, numbers) if ref is not None and ref.prefix}

    def grounds(self, claim: Claim, about: About, sentence: str) -> bool:
        if claim.tool == "escalate_to_human":
            return self.escalated
        acted = self.done.get(claim.tool, set())
        wanted = claim.state or _stated(sentence)
        if about.refs:
            return all(self._grounds_one(ref, acted, wanted) for ref in about.refs)
        if about.others:
            return False
        if about.several:
            return len(acted - {""}) >= 2
        if acted:
            return True
        return bool(wanted) and wanted in self.statuses.values()

    def _grounds_one(self, ref: OrderRef, acted: set[str], wanted: str) -> bool:
        if "" in acted or any(ref.same(number) for number in acted):
            return True
        return bool(wanted) and any(ref.same(n) and status == wanted for n, status in self.statuses.items())


def _stated(sentence: str) -> str:
    found = STATUS_WORD.findall(sentence)
    return found[-1].lower().replace("canceled", "cancelled") if found else ""


def _clause(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The words of the clause before ``start``, and from ``start`` to the clause's end: "Don't
    worry, your refund is done" is a claim, "I can't say the refund is done" is not."""
    breaks = list(CLAUSE_BREAK.finditer(sentence))
    opened = max((m.end() for m in breaks if m.end() <= start), default=0)
    closed = min((m.start() for m in breaks if m.start() >= end), default=len(sentence))
    return sentence[opened:start], sentence[start:closed]


def _blank(pattern: re.Pattern, text: str) -> str:
    """``text`` with what ``pattern`` matches turned to spaces: places in it stay where they were."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _claims(sentence: str) -> list[tuple[Claim, int, int]]:
    """The actions ``sentence`` (in its normal form) says happened, each with where its words are."""
    question = sentence.rstrip().endswith("?")
    if question:
        sentence = _blank(RHETORICAL, sentence)
    found = []
    for language in ALL_LANGUAGES:
        text = _blank(language.idioms, sentence)
        offer = question and language.offer.search(text) is not None
        for claim in language.claims:
            for match in claim.strong.finditer(text):
                if offer and not DECLARED.search(text[: match.end()]):
                    continue
                before, _ = _clause(text, match.start(), match.end())
                if language.negation.search(before + match.group(0)) or _conditional(language, text, before):
                    continue
                found.append((claim, match.start(), match.end()))
                break
            else:
                promise = claim.promise.search(text) if claim.promise and not offer else None
                if promise:
                    before, rest = _clause(text, promise.start(), promise.end())
                    if not (language.negation.search(before + rest) or _conditional(language, text, before + rest)):
                        found.append((claim, promise.start(), promise.end()))
    return found


def _conditional(language: Language, sentence: str, before: str) -> bool:
    """A condition in the claim's own clause ("...once it's approved"), or a sentence opening
    on one ("Once approved, you'll get..."): what would happen, not what did."""
    return bool(language.condition.search(before) or language.leading.match(sentence))


def _chain(sentence: str, refs: list[OrderRef], index: int, step: int) -> list[OrderRef]:
    """``refs[index]`` and the orders listed with it ("ORD-1001, ORD-1002 and #1003")."""
    chain = [refs[index]]
    while 0 <= index + step < len(refs):
        a, b = (refs[index], refs[index + step]) if step > 0 else (refs[index + step], refs[index])
        if not JOINED.fullmatch(sentence[a.end : b.start]):
            break
        index += step
        chain.append(refs[index])
    return chain


def _about(sentence: str, start: int, end: int, prefixes: set[str]) -> About:
    """The orders a claim is about: those named in its words or just after them, else the last
    named before them, with the ones listed beside it."""
    refs = [r for r in order_refs(sentence) if not r.prefix or r.canonical or r.prefix in prefixes]
    after = [i for i, r in enumerate(refs) if r.start >= start and r.start - end <= 30]
    before = [i for i, r in enumerate(refs) if r.end <= start]
    if after:
        chosen = _chain(sentence, refs, after[0], 1)
    elif before:
        chosen = _chain(sentence, refs, before[-1], -1)
    else:
        chosen = []
    clause = "".join(_clause(sentence, start, end))
    return About(tuple(chosen), bool(OTHERS.search(clause)), bool(SEVERAL.search(clause)))


def unconfirmed_claims(text: str, *, evidence: Evidence, sources: Sources) -> list[tuple[tuple[int, int], str]]:
    """Each sentence claiming an action nothing this turn confirms, with the tool that would have."""
    prefixes = evidence.prefixes | {r.prefix for r in order_refs(sources.tools) if r.canonical}
    found = []
    for start, end in sentences(text):
        sentence = normal_text(text[start:end]).replace("\u2019", "'").replace("\u02bc", "'")
        for claim, at, until in _claims(sentence):
            if evidence.grounds(claim, _about(sentence, at, until, prefixes), sentence):
                continue
            if sources.said_by_tool(sentence) and _claims(sources.masked(sentence)):
                continue  # the tool's own words, repeated
            found.append(((start, end), claim.tool))
            break
    return found
