"""A reply may say an action happened only when a tool result of this turn says so.

Each kind of action has the phrasings that claim it, in any tense ("I've refunded", "your
refund is on its way", "you'll see the money back in 3-5 days", "the cancellation went
through", "a colleague will take over"). A claim is grounded by a successful call of the tool
that does it, or by order data read this turn showing the order already in that state; when the
sentence names an order, by that order. Offers, questions, negations and conditions ("I can
cancel it", "shall I refund?", "it can't be cancelled", "once approved you'll get...") claim
nothing."""

import re
from dataclasses import dataclass

from agents.guardrails.text import ORDER_NUMBER, sentences, squash

_DONE = r"(?<!to be )(?<!can be )(?<!could be )(?<!may be )(?<!might be )(?<!should be )(?<!must be )"
_GAP = r"(?:[^.?!]|\.(?=\d))"  # within a sentence; a price's decimal point is no end
_ME = r"\b(i|we)(\s*'?ve|\s+have|\s+had)?\s+(just\s+|already\s+|now\s+|gone\s+ahead\s+and\s+|went\s+ahead\s+and\s+)*"
_PERSON = (
    r"(colleague|team ?mate|team member|member of (our|the) (support )?team|(support|our|the) team|person|human"
    r"|specialist|agent|someone|somebody|supervisor|manager|representative|rep)"
)
_FOLLOW_UP = r"(take over|reply|respond|get back|contact|be in touch|reach out|review|look into|follow up|help|call)"


@dataclass(frozen=True)
class Claim:
    tool: str  # the tool whose success grounds it
    strong: re.Pattern  # done, whatever the rest of the sentence says
    promise: re.Pattern | None = None  # the result promised ("you'll get..."): a claim unless conditional
    state: str = ""  # the order status a read tool may show instead


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


CLAIMS = (
    Claim(
        "process_refund",
        _re(
            _DONE + r"(?<!are )\b(refunded|reimbursed|credited)\b"  # "cancelled orders are refunded": policy
            rf"|{_ME}(issued|processed|sent|initiated|approved|completed|submitted|put through|credited|returned)\b"
            r".{0,30}\b(refund|money|credit|reimbursement|funds)"
            rf"|\b(refund|reimbursement|money|funds|credit)\b{_GAP}{{0,40}}?"
            + _DONE
            + r"\b(issued|processed|approved|completed|sent|initiated|submitted|done|complete|succeeded|successful"
            r"|finali[sz]ed|went through|gone through|is through|on (its|the) way|being processed|credited|released)\b"
            r"|^\W*approved\b|\bapproved\s*!"
        ),
        _re(
            r"\byou('ll|\s+will|\s+should)\s+(see|get|receive|have)\b.{0,40}\b(money|refund|funds|credit|reimbursement)"
            r"|\b(money|refund|funds|credit|reimbursement)\b.{0,30}\b(will|should)\s+(arrive|appear|show up|land|reach"
            r"|be back|post|hit)"
        ),
        state="refunded",
    ),
    Claim(
        "cancel_order",
        _re(
            _DONE + r"(?<!be )\bcancell?ed\b(?!\s+orders?\b)"
            rf"|\bcancell?ation\b{_GAP}{{0,30}}?\b(went through|gone through|complete|completed|processed|confirmed"
            r"|done|successful|succeeded|is in|has been)\b"
        ),
        state="cancelled",
    ),
    Claim(
        "create_return_label",
        _re(
            _DONE
            + r"\blabell?ed\b"  # "refunded and labelled!"
            + rf"|{_ME}(created|generated|made|sent|emailed|attached|issued|printed|prepared)\b.{{0,30}}\blabel"
            rf"|\blabel\b{_GAP}{{0,40}}?"
            + _DONE
            + r"\b(is ready|ready|attached|created|generated|sent|emailed|on (its|the) way|in your inbox|below|here)\b"
            r"|\bhere(\s+is|'s|\s+are)\s+(your|the)\s+(prepaid\s+)?(return\s+)?(shipping\s+)?labels?\b"
        ),
    ),
    Claim(
        "escalate_to_human",
        _re(
            rf"{_ME}(escalated|passed|handed|transferred|forwarded|referred|flagged|sent|assigned)\b.{{0,40}}"
            rf"\b(to|over|on)\b.{{0,25}}\b{_PERSON}"
            r"|\bescalated\b"
            rf"|{_ME}(opened|created|raised|filed|logged)\s+(a|an)\s+(support\s+)?(ticket|case|request)"
            rf"|\b(you('re| are)\s+now\s+(talking|speaking|connected|chatting)|you('re| are)\s+in\s+the\s+queue)\b"
        ),
        _re(rf"\b(a|an|one of our|our|the)\s+(\w+\s+)?{_PERSON}\s+(will|'ll|is going to|are going to)\s+{_FOLLOW_UP}"),
    ),
    Claim(
        "update_order_status",
        _re(
            rf"{_ME}(updated|changed|modified|edited|amended|corrected)\b{_GAP}{{0,30}}"
            r"\b(order|status|address|details|shipping|delivery|it)\b"
            rf"|{_ME}marked\b{_GAP}{{0,30}}\b(as|shipped|delivered|paid|returned|pending)\b"
            rf"|\b(order|status|address)\b{_GAP}{{0,30}}?\b(has been|have been|was|were|is now|now)\s+"
            r"(updated|changed|marked|set|modified|amended|corrected)\b"
            rf"|\bstatus\b{_GAP}{{0,20}}?\b(is now|now reads|has changed to|changed to)\b"
            r"|\b(is|has been|was) now (marked )?(as )?(pending|paid|shipped|delivered|returned)\b"
        ),
    ),
)
# Words that make a sentence an offer, a question or a condition rather than a report.
NEGATION = _re(
    r"\b(not|never|no|nothing|cannot|unable|yet to|haven't|hasn't|wasn't|isn't|didn't|won't|can't|couldn't)\b|n't\b"
)
CONDITION = _re(r"\b(if|once|when|whenever|after|before|as soon as|until|unless|pending|would|could|might|may)\b")
LEADING_CONDITION = _re(r"^\W*(if|once|as soon as|when|whenever|unless|until|pending)\b")
QUESTION = _re(
    r"^\W*(shall|should|would|could|can|do|does|did|is|are|was|were|has|have|will|may|want|how|what|when|which|who"
    r"|why|where)\b"
)
STATUS_WORD = _re(r"\b(pending|paid|shipped|delivered|cancell?ed|returned|refunded)\b")


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

    def grounds(self, claim: Claim, number: str | None, sentence: str) -> bool:
        if claim.tool == "escalate_to_human":
            return self.escalated
        acted = self.done.get(claim.tool, set())
        if number is None:
            if acted:
                return True
            wanted = claim.state or _stated(sentence)
            return bool(wanted) and wanted in self.statuses.values()
        if number in acted or (acted and "" in acted):
            return True
        wanted = claim.state or _stated(sentence)
        return bool(wanted) and self.statuses.get(number) == wanted


def _stated(sentence: str) -> str:
    found = STATUS_WORD.findall(sentence)
    return found[-1].lower().replace("canceled", "cancelled") if found else ""


CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s|\bbut\b", re.IGNORECASE)


def _clause(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The words of the clause before ``start``, and from ``start`` to the clause's end: "Don't
    worry, your refund is done" is a claim, "I can't say the refund is done" is not."""
    breaks = list(CLAUSE_BREAK.finditer(sentence))
    opened = max((m.end() for m in breaks if m.end() <= start), default=0)
    closed = min((m.start() for m in breaks if m.start() >= end), default=len(sentence))
    return sentence[opened:start], sentence[start:closed]


def _conditional(sentence: str, before: str) -> bool:
    """A condition in the claim's own clause ("...once it's approved"), or a sentence opening
    on one ("Once approved, you'll get..."): what would happen, not what did."""
    return bool(CONDITION.search(before) or LEADING_CONDITION.match(sentence))


def _claims(sentence: str) -> list[tuple[Claim, int]]:
    """The actions ``sentence`` says happened, each with where its words start."""
    sentence = sentence.replace("\u2019", "'")
    if sentence.rstrip().endswith("?") and QUESTION.search(sentence):
        return []
    found = []
    for claim in CLAIMS:
        for match in claim.strong.finditer(sentence):
            before, _ = _clause(sentence, match.start(), match.end())
            if NEGATION.search(before + match.group(0)) or _conditional(sentence, before):
                continue
            found.append((claim, match.start()))
            break
        else:
            promise = claim.promise.search(sentence) if claim.promise else None
            if promise:
                before, rest = _clause(sentence, promise.start(), promise.end())
                if not (NEGATION.search(before + rest) or _conditional(sentence, before + rest)):
                    found.append((claim, promise.start()))
    return found


def _order_of(sentence: str, at: int) -> str | None:
    """The order a claim is about: the last one named before its words, else the first after."""
    numbers = list(ORDER_NUMBER.finditer(sentence))
    before = [m for m in numbers if m.start() < at]
    if before:
        return before[-1].group(0)
    return numbers[0].group(0) if numbers else None


def unconfirmed_claims(text: str, *, evidence: Evidence, allowed_text: str) -> list[tuple[tuple[int, int], str]]:
    """Each sentence claiming an action nothing this turn confirms, with the tool that would have."""
    allowed = squash(allowed_text)
    found = []
    for start, end in sentences(text):
        sentence = text[start:end]
        for claim, at in _claims(sentence):
            if evidence.grounds(claim, _order_of(sentence, at), sentence):
                continue
            if len(squash(sentence)) > 12 and squash(sentence) in allowed:
                continue  # the tool's own words, repeated
            found.append(((start, end), claim.tool))
            break
    return found
