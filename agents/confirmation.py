"""Is the shopper's message an explicit yes to the action the agent proposed?

Deliberately strict: a consequential action needs an unmistakable yes. Anything hedged,
negated, asking something back or asking for something more is not one, and the agent asks
again or carries on talking. A yes is the yes word and only the words of ``YES_COMPANIONS``.
"""

import re

# A clear yes may come with a few words ("yes please, go ahead").
YES = re.compile(
    r"^(yes|yeah|yep|yup|ya|confirm(ed)?|absolutely|definitely|please do|do it|go ahead|go for it|"
    r"yes please|si|sí|oui|ja)\b",
    re.IGNORECASE,
)
# "Ok", "sure", "right" are a yes only on their own ("ok thanks", "ok let me think about it",
# "correct me if I'm wrong" are not).
WEAK_YES = re.compile(
    r"^(ok|okay|sure|sure thing|right|correct|sounds good|that'?s (right|fine|correct)|fine)"
    r"([ ,]+(go ahead|do it|please|please do|yes))*$",
    re.IGNORECASE,
)
# Every other word of a yes must be one of these: a yes with manners ("yes please, go ahead,
# thank you"), never anything more. Listing what may come is safer than listing what may not:
# "yes nvm", "yeah nah", "yes jk", "yes, scratch that", "yes, the full amount", "yes, both" and
# any negation or narrowing not thought of yet are all words outside this list.
_COMPANIONS = (
    "yes yeah yea yep yup ya confirm confirmed i i'd like absolutely definitely please pls plz do it go ahead "
    "proceed for sure ok okay correct that this is fine sounds good great perfect works would be of course "
    "thanks thank you thx ty so much with the my me and to card original payment method si sí por favor claro "
    "vale adelante gracias oui s'il vous plaît plait d'accord merci ja bitte gerne danke"
)
YES_COMPANIONS = frozenset(_COMPANIONS.split())
# Said twice, a yes is sarcasm or impatience ("yeah yeah", "ja ja"); "right" after a yes is
# sarcasm ("yeah right"), so it counts only as "that's right" or on its own.
YES_WORDS_ONCE = frozenset(("yes", "yeah", "yea", "yep", "yup", "ya", "ja", "si", "sí", "oui"))
RIGHT = re.compile(r"\b(that'?s|that is|is that)\s+right\b", re.IGNORECASE)
# The pending action's own words may be named: "yes, go ahead with the refund".
ACTION_WORDS = {
    "process_refund": frozenset({"refund"}),
    "cancel_order": frozenset({"cancel", "cancellation", "order"}),
    "create_return_label": frozenset({"return", "label", "return label", "send"}),
}
YES_EMOJI = "👍🙂😊"
SMILEYS = re.compile(r"[:;]-?[)D]")
MAX_WORDS = 8  # a longer message is a new request, not an answer to "shall I go ahead?"


def is_explicit_yes(text: str, *, tool: str = "") -> bool:
    """``text`` is an unhedged yes, and nothing more, to the action of ``tool`` (when given, its
    own words may be named)."""
    cleaned = " ".join((text or "").replace("\u2019", "'").split())
    if cleaned == "👍":
        return True
    if "?" in cleaned:
        return False  # a question back is not an answer
    cleaned = re.sub(rf"[!.,{YES_EMOJI}\s]+$", "", SMILEYS.sub(" ", cleaned).strip())
    words = [w for w in re.split(rf"[\s,.!;:{YES_EMOJI}]+", cleaned.lower()) if w]
    if not words or len(words) > MAX_WORDS:
        return False
    if WEAK_YES.match(cleaned):
        return True
    if sum(word in YES_WORDS_ONCE for word in words) > 1:
        return False
    # "yes, that's right" is "yes, correct"; "is that right" asks; a bare "right" is sarcasm.
    asked = re.search(r"\bis that right\b", cleaned, re.IGNORECASE)
    words = [w for w in re.split(rf"[\s,.!;:{YES_EMOJI}]+", RIGHT.sub("correct", cleaned).lower()) if w]
    allowed = YES_COMPANIONS | ACTION_WORDS.get(tool, frozenset())
    return not asked and bool(YES.match(cleaned)) and all(word in allowed for word in words)


ASK = "Shall I go ahead? Please reply yes to confirm."
# A sentence that asks the shopper to say yes (or to confirm) to something.
ASKS_YES = re.compile(
    r"\b(confirm\w*|reply|respond|answer|say|yes|shall i|should i|want me to|would you like|go ahead|okay|ok)\b", re.I
)
# What in a model's sentence beside a proposal could make the shopper think they are saying
# yes to something else: a question, a figure (an amount, an order number), an invitation to
# confirm, or an action of its own ("I'll also cancel your other orders").
SOLICITS = re.compile(
    ASKS_YES.pattern + r"|\?|\d|\b(refund\w*|cancel\w*|return\w*|label\w*|order\w*|amount|charge\w*|money|"
    r"credit\w*|pay\w*|instal\w*|ship\w*|replace\w*|exchange\w*|everything|all)\b"
    # A promise of its own: "I'll also upgrade you", "we're closing your account", "a gift card
    # is coming too", "this will void your warranty".
    r"|\b(i|we)('ll|'m|'re| will| am| are| shall)\b|\b(also|too|going to|free|gift|upgrade\w*|clos\w*|void\w*|"
    r"warrant\w*|account|add\w*|coming|will|won't)\b",
    re.I,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def confirmation_question(pending: dict) -> str:
    """The question a yes answers, written from the pending action (its summary names the
    action, the order and the amount), never from the model's words."""
    return f"{pending['summary']} {ASK}"


def confirmation_reply(text: str, pending: dict, *, trusted: bool) -> str:
    """The reply that asks the shopper to confirm ``pending``. Trusted text (the offline agent's,
    written from the same pending action) is kept when it already asks; a model's text keeps
    only its sentences that ask nothing and name no figure, and the question is code's."""
    question = confirmation_question(pending)
    if trusted and pending["summary"] in text:
        return text  # it already says what a yes will do
    if trusted:
        return f"{text}\n\n{question}".strip()
    kept = [s.strip() for s in SENTENCE.split(text or "") if s.strip() and not SOLICITS.search(s)]
    return " ".join([*kept, question])


def asks_yes(text: str) -> bool:
    """Does the text ask the shopper for a yes or a confirmation?"""
    return any(_asks(sentence) for sentence in SENTENCE.split(text or ""))


# "Reply yes", "just type YES below", "write yep", "send me a thumbs up", "confirm": asking for
# the answer a yes would give, in any words.
YES_WORDS = r"(yes|yep|yeah|yup|y|ok|okay|sure|si|sí|oui|ja|thumbs[ -]?up|👍)"
ASKS_FOR_YES = re.compile(
    rf"\b(reply|respond|answer|say|type|write|send|text|enter|give|drop|hit)\b.{{0,25}}(\b{YES_WORDS}\b|👍)"
    r"|\bthumbs[ -]?up\b|👍|\bconfirm\w*\b|\bconfirma\w*|\bbestätig\w*",
    re.IGNORECASE,
)


def _asks(sentence: str) -> bool:
    if ASKS_YES.search(sentence) and "?" in sentence:
        return True
    return bool(ASKS_FOR_YES.search(sentence))


def without_yes_requests(text: str) -> str:
    """``text`` less its sentences that ask for a yes or a confirmation: only the engine's own
    question, in the conversation, may ask for one (a follow-up by email must not)."""
    return " ".join(s.strip() for s in SENTENCE.split(text or "") if s.strip() and not _asks(s))


# A model's sentence after an action the engine ran that could contradict what happened.
DENIES = re.compile(
    r"\b(not|no|nothing|never|fail\w*|error\w*|wrong|sorry|unable|couldn'?t|didn'?t|wasn'?t|hasn'?t|haven'?t|"
    r"can'?t|cannot|yet|pending|undo\w*|revers\w*|again|retry)\b|n't\b",
    re.I,
)


def outcome_reply(text: str, outcome: str) -> str:
    """The reply after the engine did what a yes confirmed: the outcome in the tool's own words
    first, then only those of the model's sentences that neither deny it nor speak of figures,
    actions or questions of their own."""
    kept = [
        s.strip() for s in SENTENCE.split(text or "")
        if s.strip() and not SOLICITS.search(s) and not DENIES.search(s) and s.strip() not in outcome
    ]  # fmt: skip
    return " ".join([outcome, *kept])
