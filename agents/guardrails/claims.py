"""A reply may say an action happened only when a tool result of this turn says so.

Each kind of action has the phrasings that claim it, in any tense, in English, Spanish, French
and German (``phrases``, ``phrases_intl``). A claim is grounded by a successful call of the tool
that does it, or by order data read this turn showing the order already in that state; when the
sentence names orders (however written: "ord-1001", "#1001", "order number 1001"), by each of
them, and a claim about "your other orders" or "all of them" is not grounded by one refund. A
refund claim's sums ("228.63", "$228.63", "228.63 USD") must be ones this turn's refunds paid
back, and "in full" needs an order a tool shows refunded in full; a label claim's carrier and
tracking number must be the label's.
Offers, negations and conditions ("I can cancel it", "shall I refund?", "it can't be cancelled",
"once approved you'll get...") claim nothing; idioms that only look like one ("no worries, your
refund is done", "after all that I've cancelled it") and questions that are no offer ("would you
believe it, your refund went through?") do not hide a claim. A topic asked and answered ("Your
refund? Done.") is read as one sentence."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from agents.guardrails.normal import normal, normal_text
from agents.guardrails.phrases import ENGLISH, GAP, HABITUAL, IMPERATIVE, NEWS, RULE, Claim, Language
from agents.guardrails.phrases_intl import LANGUAGES
from agents.guardrails.sources import Sources
from agents.guardrails.spoken import spoken
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
    rf"\b(other|remaining|rest of|every|all)\b{GAP}{{0,20}}?\b(orders?|purchases?|ones?|items?)\b|\b(everything"
    r"|all of them|them all|the others"
    r"|the rest|everything else)\b",
    re.IGNORECASE,
)
# ... or grounded only when several were.
SEVERAL = re.compile(
    rf"\b(both|each|several|multiple|two|three)\b{GAP}{{0,20}}?\borders?\b|\borders\b|\bboth\b", re.IGNORECASE
)
# Done once more: never grounded by what was done once ("I've refunded ORD-1001 again", "a second
# refund", "another 10.00 USD"): the tool's own message says what happened.
REPEAT = re.compile(r"\b(twice|a second|the second|another|again|once more|2nd|second time)\b", re.IGNORECASE)
# A number that may be an order's beside one written in full ("ORD-1001 and 1002").
BARE_NUMBER = re.compile(r"(?<![\w.$\u20ac\u00a3#-])\d{3,10}(?![\w-]|[.,]\d|\s?(usd|eur|gbp|dollars?|euros?)\b)", re.I)
CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s|\b(but|pero|mais|aber)\b", re.IGNORECASE)
# A sum of money however written: "228.63", "$228.63", "228.63 USD", "USD 1,214.08", "10 EUR"; a
# number without a currency counts only with cents ("3 days" is none).
AMOUNT = re.compile(
    r"(?<![\w.,#-])(?P<before>(?:us\$|[$\u20ac\u00a3]|\b(?:usd|eur|gbp))\s?)?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+(?:[.,]\d{2})?)"
    r"(?P<after>\s?(?:[$\u20ac\u00a3]|(?:usd|eur|gbp|dollars?|euros?|pounds?|bucks)\b))?(?![\w-]|[.,]\d)",
    re.IGNORECASE,
)
# The whole of what was paid: grounded only by an order a tool shows refunded in full.
IN_FULL = re.compile(
    r"\b(fully|in full|full (amount|refund|price|total|sum|cost|payment)|the full\b|entire (amount|order|total|sum"
    r"|cost|payment)|complete refund|100 ?%|en su totalidad|totalmente|integramente|completo|integralement"
    r"|totalement|en totalite|vollstandig|komplett|in voller hohe|every (cent|penny|dollar)|whole (amount|sum|total"
    r"|price|thing)|all of it|everything you paid|all (the|your) money|remaining (balance|amount|sum|total)"
    r"|outstanding (balance|amount)|(the )?rest of (it|the (amount|money|payment|balance|total)))",
    re.IGNORECASE,
)
CARRIERS = re.compile(
    r"(?<![\w-])(ups|usps|fedex|fed ex|dhl|tnt|gls|dpd|hermes|evri|royal mail|canada post|purolator|ontrac|lasership"
    r"|correos|la poste|colissimo|chronopost|deutsche post|australia post|amazon logistics|aramex|yodel"
    r"|parcelforce)(?![\w-])",
    re.IGNORECASE,
)
# What a tracking number looks like: a run of eight or more letters and digits with digits in it.
TRACKING_LIKE = re.compile(r"(?<![\w-])(?=[A-Za-z]*\d)(?=\d*[A-Za-z]|\d{8,})[A-Za-z0-9]{8,40}(?![\w-])")
# A topic asked as a question and answered in the next sentence: "Your refund? Done." is "your
# refund: done".
TOPIC = re.compile(
    r"^\W*(and\s+|as for\s+|about\s+)?((your|the|my|that|this)\s+)?((?!(any|other|more|which|what)\b)[\w-]+\s+)?"
    r"(refunds?|money|reimbursement"
    r"|cancell?ation|orders?|purchase|return|label|return label|ticket|case|request|ord-?\s?\d+|#\d+)"
    r"(\s+(for|on|of)\s+[\w#-]+)?\s*\?+[\W]*$",
    re.IGNORECASE,
)
JOINED = re.compile(r"\s*(,|&|/|\+|and|or|y|et|und|,\s*and|as well as|plus)?\s*(order\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class About:
    """The orders a claim is about."""

    refs: tuple[OrderRef, ...] = ()
    others: bool = False  # "your other orders", "all of them"
    several: bool = False  # "both orders"
    repeat: bool = False  # "again", "a second refund", "twice"


@dataclass(frozen=True)
class Evidence:
    """What this turn's tool calls show: successful actions per tool (and the orders they were on),
    order statuses read, and whether a person was brought in."""

    done: dict[str, set[str]]  # tool -> order numbers acted on ("" for a call without one)
    statuses: dict[str, str]  # order number -> status, as a tool returned it
    escalated: bool
    refunded: set[Decimal] = field(default_factory=set)  # the amounts this turn's refunds paid back
    labels: list[dict[str, str]] = field(default_factory=list)  # this turn's labels: carrier, tracking number

    @classmethod
    def of(cls, calls, *, escalated: bool = False) -> "Evidence":
        done: dict[str, set[str]] = {}
        statuses: dict[str, str] = {}
        refunded: set[Decimal] = set()
        paid_back: dict[str, set[Decimal]] = {}  # order number -> amounts refunded on it
        totals: dict[str, set[Decimal]] = {}  # order number -> its total, as a tool returned it
        labels: list[dict[str, str]] = []
        for name, arguments, status, data in calls:
            data = data if isinstance(data, dict) else {}
            if status == "ok":
                number = str((arguments or {}).get("order_number") or "").strip().upper()
                done.setdefault(name, set()).add(number)
                if name == "cancel_order" and data.get("refunded"):
                    # A paid order's cancellation paid it back: the refund may be told too.
                    done.setdefault("process_refund", set()).add(number)
                    refunded |= _amounts(_money(data["refunded"]))
                    paid_back.setdefault(number, set()).update(_amounts(_money(data["refunded"])))
                if name == "process_refund":
                    paid = [data.get("message"), data.get("amount"), (arguments or {}).get("amount")]
                    amounts = _amounts(" ".join(_money(value) for value in paid if value is not None))
                    refunded |= amounts
                    paid_back.setdefault(number, set()).update(amounts)
                    if str(data.get("order_status") or "").lower() == "refunded" and number:
                        statuses[number] = "refunded"
                if name == "create_return_label":
                    labels.append({k: str(data.get(k) or "") for k in ("carrier", "tracking_number")})
            if status == "needs_review":
                escalated = True  # "a member of our team will review it"
            orders = [data["order"]] if isinstance(data.get("order"), dict) else []
            orders += [o for o in data.get("orders") or [] if isinstance(o, dict)]
            for order in orders:
                if order.get("number") and order.get("status"):
                    statuses[str(order["number"]).upper()] = str(order["status"])
                    if order.get("total") is not None:
                        totals.setdefault(str(order["number"]).upper(), set()).update(_amounts(_money(order["total"])))
                    if str(order["status"]) == "refunded" and order.get("total") is not None:
                        refunded |= _amounts(_money(order["total"]))  # refunded in full
        for number, amounts in paid_back.items():
            if number and amounts & totals.get(number, set()):
                statuses[number] = "refunded"  # a refund of the order's whole total
        return cls(
            done=done, statuses=statuses, escalated=escalated or "escalate_to_human" in done, refunded=refunded,
            labels=labels,
        )  # fmt: skip

    @property
    def prefixes(self) -> set[str]:
        """The order prefixes of this store, as far as this turn shows them ("ORD")."""
        numbers = {n for acted in self.done.values() for n in acted} | set(self.statuses)
        return {ref.prefix for ref in map(order_ref, numbers) if ref is not None and ref.prefix}

    def grounds(self, claim: Claim, about: About, sentence: str) -> bool:
        if claim.tool == "escalate_to_human":
            return self.escalated
        if claim.tool == "process_refund" and not self._refund_details(about, sentence):
            return False
        if claim.tool == "create_return_label" and not self._label_details(sentence):
            return False
        acted = self.done.get(claim.tool, set())
        wanted = claim.state or _stated(sentence)
        if about.others or about.repeat:  # "ORD-1001 and your other orders", "ORD-1001 again"
            return False
        if about.refs:
            return all(self._grounds_one(ref, acted, wanted) for ref in about.refs)
        if about.several:
            return len(acted - {""}) >= 2
        if acted:
            return True
        # Naming no order, the state is grounded only by the one order read: "I've cancelled your
        # pending order" is not grounded by another order cancelled long ago.
        return bool(wanted) and list(self.statuses.values()) == [wanted]

    def _refund_details(self, about: About, sentence: str) -> bool:
        """A refund claim's amounts are what a refund of this turn paid back, and "in full" is said
        only of an order a tool shows refunded."""
        if IN_FULL.search(sentence):
            full = {n for n, status in self.statuses.items() if status == "refunded"}
            if not full or (about.refs and not all(any(ref.same(n) for n in full) for ref in about.refs)):
                return False
        return _amounts(spoken(normal(sentence)).text) <= self.refunded  # "one thousand dollars" too

    def _label_details(self, sentence: str) -> bool:
        """A label claim's carrier and tracking number are the label's."""
        if not self.labels:
            return True
        carriers = {_squeezed(label["carrier"]) for label in self.labels if label["carrier"]}
        if carriers and any(_squeezed(m.group(0)) not in carriers for m in CARRIERS.finditer(sentence)):
            return False
        tracking = {_squeezed(label["tracking_number"]) for label in self.labels if label["tracking_number"]}
        written = {_squeezed(m.group(0)) for m in TRACKING_LIKE.finditer(sentence)} - {""}
        written = {w for w in written if not re.fullmatch(r"\d{4}\d{2}\d{2}", w)}
        return not tracking or written <= tracking

    def _grounds_one(self, ref: OrderRef, acted: set[str], wanted: str) -> bool:
        if "" in acted or any(ref.same(number) for number in acted):
            return True
        return bool(wanted) and any(ref.same(n) and status == wanted for n, status in self.statuses.items())


def _money(value) -> str:
    """A sum as a tool gives it ("10.00", 10, "Refunded 10.00 USD for ORD-1001."), as a text
    ``_amounts`` reads."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f"{Decimal(str(value)):.2f}"
    value = str(value).strip()
    return f"{value} USD" if re.fullmatch(r"\d+(\.\d+)?", value) else value


def _squeezed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _amounts(text: str) -> set[Decimal]:
    """The sums of money ``text`` states."""
    found = set()
    for match in AMOUNT.finditer(text):
        number = match.group("number")
        if not (match.group("before") or match.group("after") or re.search(r"[.,]\d{2}$", number)):
            continue
        if re.fullmatch(r"\d+,\d{2}", number):
            number = number.replace(",", ".")  # "10,00 EUR"
        try:
            found.add(Decimal(number.replace(",", "")).quantize(Decimal("0.01")))
        except InvalidOperation:
            continue
    return found


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
            if claim.tool == "process_refund" and _stated_rule(text):
                continue
            strong = False  # every claim in the sentence counts: "I've refunded ORD-1001, and ORD-1002 is too"
            for match in claim.strong.finditer(text):
                if offer and not DECLARED.search(text[: match.end()]):
                    continue
                before, rest = _clause(text, match.start(), match.end())
                if language.negation.search(before + match.group(0)) or _conditional(language, text, before):
                    continue
                found.append((claim, match.start(), match.end()))
                strong = True
            for match in claim.negative.finditer(text) if claim.negative else ():
                if offer and not DECLARED.search(text[: match.end()]):
                    continue
                before, rest = _clause(text, match.start(), match.end())
                if language.negation.search(before) or _conditional(language, text, before):
                    continue
                found.append((claim, match.start(), match.end()))
                strong = True
            if not strong:
                promise = claim.promise.search(text) if claim.promise and not offer else None
                if promise:
                    before, rest = _clause(text, promise.start(), promise.end())
                    if not (
                        language.negation.search(before + rest)
                        or _conditional(language, text, before + rest)
                        or _promised_policy(claim, before + rest)
                    ):
                        found.append((claim, promise.start(), promise.end()))
    return found


def _promised_policy(claim: Claim, clause: str) -> bool:
    """A refund promised as policy, about no order and no sum, reporting nothing: "send it back
    within 30 days and you'll get a full refund", "you'll see the refund within 5 days of
    approval" (``phrases.HABITUAL``, ``IMPERATIVE``, ``NEWS``). Only a promise: a hostile model
    dresses "your refund is processed" in policy words, so a present or past claim has no such
    way out."""
    if claim.tool != "process_refund" or NEWS.search(clause):
        return False
    read = spoken(normal(clause)).text  # "one thousand dollars", "order one thousand and one"
    if order_refs(read) or _amounts(read):
        return False
    return bool(HABITUAL.search(clause) or IMPERATIVE.search(clause))


def _stated_rule(sentence: str) -> bool:
    """A rule about refunds in general that says when, naming no order and no sum and reporting
    nothing: "refunds are processed within 5 days of receiving the return" (``phrases.RULE``)."""
    if not RULE.search(sentence) or NEWS.search(sentence):
        return False
    read = spoken(normal(sentence)).text
    return not (order_refs(read) or _amounts(read))


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
    """The orders a claim is about: those named in its words, just after them or later in its
    clause ("refunded 10.00 USD for ORD-1001 and 10.00 USD for ORD-1002"), else the last named
    before them, with the ones listed beside each ("ORD-1001, ORD-1002 and 1003")."""
    refs = [r for r in order_refs(sentence) if not r.prefix or r.canonical or r.prefix in prefixes]
    taken = [(r.start, r.end) for r in refs]
    bare = [
        OrderRef(m.start(), m.end(), "", m.group(0), False)
        for m in BARE_NUMBER.finditer(sentence)
        if not any(a <= m.start() < b for a, b in taken)
    ]
    listed = sorted(refs + bare, key=lambda r: r.start)
    named = [i for i, r in enumerate(listed) if r in refs]
    clause_end = start + len(_clause(sentence, start, end)[1])
    after = [
        i for i in named if listed[i].start >= start and (listed[i].start - end <= 30 or listed[i].end <= clause_end)
    ]
    before = [i for i in named if listed[i].end <= start]
    clause = "".join(_clause(sentence, start, end))
    others, several, repeat = bool(OTHERS.search(clause)), bool(SEVERAL.search(clause)), bool(REPEAT.search(clause))
    if not after and (others or several or repeat):
        before = []  # "I've refunded ORD-1001, and the second order is refunded too": not ORD-1001
    chosen: list[OrderRef] = []
    for index in after or before[-1:]:
        for ref in _chain(sentence, listed, index, 1 if after else -1):
            if ref not in chosen:
                chosen.append(ref)
    return About(tuple(chosen), others, several, repeat)


def _sentences(text: str) -> list[tuple[int, int, str]]:
    """Each sentence of ``text`` (start, end, its normal form); a topic asked as a question is one
    sentence with its answer ("Your refund? Done." is "your refund: done")."""
    spans = _wrapped_joined(text, sentences(text))
    found, index = [], 0
    while index < len(spans):
        start, end = spans[index]
        sentence = _normal(text[start:end])
        if TOPIC.match(sentence) and index + 1 < len(spans):
            end = spans[index + 1][1]
            sentence = f"{sentence.rstrip().rstrip('?').rstrip()}: {_normal(text[spans[index + 1][0] : end])}"
            index += 1
        found.append((start, end, sentence))
        index += 1
    return found


LIST_ITEM = re.compile(r"\s*(?:[-*\u2022|>]|\d+[.)])\s")


def _wrapped_joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A sentence broken over lines ("Refund\nfor ORD-1001\nhas been\nprocessed.") is one:
    a line that ends without a full stop runs on into the next, unless either is a list item or
    a table row, each a piece of its own."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined:
            last_start, last_end = joined[-1]
            last = text[last_start:last_end]
            if (
                "\n" in text[last_end:start] and not re.search(r"[.!?][\"')\]]*\s*$", last)
                and not LIST_ITEM.match(last) and not LIST_ITEM.match(text[start:end])
            ):  # fmt: skip
                joined[-1] = (last_start, end)
                continue
        joined.append((start, end))
    return joined


def _normal(text: str) -> str:
    return normal_text(text).replace("\u2019", "'").replace("\u02bc", "'")


# The shopper asks whether an action happened ("did my refund for ORD-1003 go through?", "has
# it been cancelled?"), and a bare yes answers it: the yes claims that action, as if it said so.
ASKED_DONE = (
    (re.compile(r"\b(refund\w*|money back|reimburs\w*)\b", re.I), "your refund{orders} has been processed"),
    (re.compile(r"\b(cancel\w*|call(ed)? off)\b", re.I), "your order{orders} has been cancelled"),
    (re.compile(r"\b(return label|label|rma)\b", re.I), "your return label{orders} has been created"),
    (
        re.compile(r"\b(escalat\w*|passed (it )?on|a (person|human|manager))\b", re.I),
        "your request has been escalated to our team",
    ),
)
# Whether it happened, not whether it may ("is it possible to get a refund?" asks no such thing).
ASKS_IF_DONE = re.compile(
    r"^\W*(did|has|have|had|was|were)\b|\b(is|are)\b.{0,60}\b(cancell?ed|refunded|processed|done|through|approved"
    r"|created|sent|issued|escalated)\b|\b(go(ne)? through|went through|been (done|processed|issued|refunded|cancell?ed"
    r"|approved|created|sent))\b",
    re.I,
)
AFFIRMED = re.compile(
    r"^\W*(yes|yep|yeah|yup|yess+|sure|absolutely|definitely|indeed|correct|right|done|all done|it did|it has"
    r"|it is|it was|that's right|of course|s[ií]|oui|ja|claro|exactement|genau|bien s[uû]r|por supuesto)\b",
    re.I,
)


def _affirmed_claims(text: str, asked: str) -> dict[int, str]:
    """The reply's sentences that say yes to the shopper's question whether an action happened,
    each with the claim that yes makes (by sentence start)."""
    claims = []
    for start, end in sentences(asked or ""):
        question = asked[start:end].strip()
        if not question.endswith("?") or not ASKS_IF_DONE.search(question):
            continue
        numbers = [question[ref.start : ref.end] for ref in order_refs(question)]
        orders = f" for {' and '.join(numbers)}" if numbers else ""
        claims += [claim.format(orders=orders) for pattern, claim in ASKED_DONE if pattern.search(question)]
    if not claims:
        return {}
    return {start: " and ".join(claims) for start, end in sentences(text) if AFFIRMED.match(text[start:end])}


def unconfirmed_claims(
    text: str, *, evidence: Callable[[], Evidence], sources: Sources, asked: str = ""
) -> list[tuple[tuple[int, int], str]]:
    """Each sentence claiming an action nothing this turn confirms, with the tool that would have.
    ``evidence`` is asked for only once a sentence claims something: most replies claim nothing,
    and what earlier turns did is a query. ``asked``: the shopper's words this turn, whose
    question a bare yes may answer (``ASKED_DONE``)."""
    found, known, prefixes = [], None, set()
    affirmed = _affirmed_claims(text, asked)
    for start, end, sentence in _sentences(text):
        if start in affirmed:
            sentence = f"{sentence} ({_normal(affirmed[start])}.)"
        for claim, at, until in _claims(sentence):
            if known is None:
                known = evidence()
                prefixes = known.prefixes | {r.prefix for r in order_refs(sources.tools) if r.canonical}
            if known.grounds(claim, _about(sentence, at, until, prefixes), sentence):
                continue
            if sources.said_by_tool(sentence) and _claims(sources.masked(sentence)):
                continue  # the tool's own words, repeated
            found.append(((start, end), claim.tool))
            break
    return found
