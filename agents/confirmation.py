"""Is the shopper's message an explicit yes to the action the agent proposed?

Deliberately strict: a consequential action needs an unmistakable yes. Anything hedged,
negated, asking something back or asking for something more is not one, and the agent asks
again or carries on talking. A yes is the yes word and only the words of ``YES_COMPANIONS``,
and a yes's verb takes only the pending action's own thing (``ACTION_NOUNS``).
"""

import re

# A clear yes may come with a few words ("yes please, go ahead").
YES = re.compile(
    r"^(yes|yeah|yep|yup|ya|confirm(ed)?|absolutely|definitely|please do|do it|just do it|go ahead|go for it|"
    r"yes please|si|sí|oui|ja)\b",
    re.IGNORECASE,
)
# "Ok", "sure", "right" are a yes only on their own, or with manners ("ok thanks", "ok let me
# think about it", "correct me if I'm wrong" are not).
WEAK_YES = re.compile(
    r"^(ok|okay|sure|sure thing|right|correct|sounds good|fine|alright|all right|perfect|great|exactly"
    r"|that'?s (right|fine|correct|perfect|great))"
    r"([ ,]+(go ahead|do it|please|please do|yes))*$"
    # Manners after a yes that is not just "ok" ("sounds good, thanks"; "ok thanks" only acknowledges).
    r"|^(sounds good|perfect|great|alright|that'?s (right|fine|correct|perfect|great))([ ,]+(go ahead|do it|please"
    r"|please do|yes|thanks|thank you|thx))*$",
    re.IGNORECASE,
)
# Every other word of a yes must be one of these: a yes with manners ("yes please, go ahead,
# thank you"), never anything more. Listing what may come is safer than listing what may not:
# "yes nvm", "yeah nah", "yes jk", "yes, scratch that", "yes, the full amount", "yes, both" and
# any negation or narrowing not thought of yet are all words outside this list. No verb that
# opens a question ("is", "would"): "yes is that ok" asks, with or without its mark.
_COMPANIONS = (
    "yes yeah yea yep yup ya confirm confirmed i i'd like want a absolutely definitely exactly agree please pls plz "
    "do it just go ahead proceed process create for sure ok okay correct that this fine sounds good great perfect "
    "works of course thanks thank you thx ty so much with the my me and to si sí por "
    "favor claro vale adelante gracias oui s'il vous plaît plait d'accord merci ja bitte gerne danke"
)
YES_COMPANIONS = frozenset(_COMPANIONS.split())
# Said twice, a yes is sarcasm or impatience ("yeah yeah", "ja ja"); "right" after a yes is
# sarcasm ("yeah right"), so it counts only as "that's right" or on its own.
YES_WORDS_ONCE = frozenset(("yes", "yeah", "yea", "yep", "yup", "ya", "ja", "si", "sí", "oui"))
# Whole phrases a yes may say, read as the one word they mean.
PHRASES = (
    (re.compile(r"\b(that'?s|that is|it'?s|it is)\s+(right|correct|fine|perfect|great|good)\b", re.I), "correct"),
    (re.compile(r"\b(that|it)('d| would) be (great|perfect|fine|good|lovely|amazing)\b", re.I), "great"),
    (re.compile(r"\bi'?m sure\b|\bi am sure\b", re.I), "sure"),
)
# A question without its mark ("yes is that ok", "yes would it go to my card"), or a second
# thing named ("yes cancel this and that order").
ASKS = re.compile(r"\b(is|are|was|would|could|can|will|does|did|should|shall)\s+(that|this|it|there|i|you)\b"
                  r"|\band\s+(that|this|the|those|these|also)\b", re.I)  # fmt: skip
# The pending action's own words may be named: "yes, go ahead with the refund".
ACTION_WORDS = {
    "process_refund": frozenset({"refund"}),
    "cancel_order": frozenset({"cancel", "cancellation", "order"}),
    "create_return_label": frozenset({"return", "label", "return label", "send"}),
}
# The pending action's own things: what a yes's verb may take ("confirm the refund", "send the
# label"). "Confirm my card", "send the payment to my card", "confirm my order" (to a
# cancellation) ask for something else in a yes's words.
ACTION_NOUNS = {
    "process_refund": frozenset({"refund"}),
    "cancel_order": frozenset({"cancellation"}),
    "create_return_label": frozenset({"label", "return"}),
}
TAKES = re.compile(
    r"\b(confirm|confirmed|process|create|send|proceed with|go ahead with|want|like)\s+(a|an|the|my|this|that)\s+(\w+)",
    re.I,
)
# Where a refund goes, said with a yes to one: "yes please refund it to my card".
REFUND_TO = re.compile(
    r"\b(back\s+)?(to|on|onto)\s+(my|the)\s+(original\s+)?(credit\s+|debit\s+)?(card|payment method)\b", re.I
)
YES_EMOJI = "👍🙂😊✅"
SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")
SMILEYS = re.compile(r":-?[)D]")  # a smile; a wink (";)") is not a plain yes
MAX_WORDS = 8  # a longer message is a new request, not an answer to "shall I go ahead?"


def is_explicit_yes(text: str, *, tool: str = "", order_number: str = "") -> bool:
    """``text`` is an unhedged yes, and nothing more, to the action of ``tool`` on
    ``order_number`` (when given, the action's own words and that order may be named)."""
    cleaned = " ".join(SKIN_TONES.sub("", text or "").replace("\u2019", "'").split())
    if cleaned == "👍":
        return True
    if "?" in cleaned or ASKS.search(cleaned):
        return False  # a question back is not an answer
    digits = re.sub(r"\D", "", order_number or "")
    if digits:  # "yes, cancel ORD-1001" when ORD-1001 is the one asked about; only its own letters
        # go with the number ("not 1001" keeps its "not")
        letters = re.escape(re.sub(r"[^A-Za-z]", "", order_number or ""))
        own = rf"(?:{letters}[-\s]?|#|order\s+(?:number\s+|no\.?\s*)?)?" if letters else r"(?:#|order\s+)?"
        cleaned = re.sub(rf"(?<![\w-]){own}0*{digits}(?!\w)", " ", cleaned, flags=re.I)
    if tool == "process_refund":
        cleaned = REFUND_TO.sub(" ", cleaned)
    if any(m.group(3).lower() not in ACTION_NOUNS.get(tool, ()) for m in TAKES.finditer(cleaned)):
        return False  # "confirm my card": a yes's verb, something else's thing
    cleaned = re.sub(rf"[!.,{YES_EMOJI}\s]+$", "", SMILEYS.sub(" ", cleaned).strip())
    words = [w for w in re.split(rf"[\s,.!;:{YES_EMOJI}]+", cleaned.lower()) if w]
    if not words or len(words) > MAX_WORDS:
        return False
    if WEAK_YES.match(cleaned):
        return True
    if sum(word in YES_WORDS_ONCE for word in words) > 1:
        return False
    for pattern, word in PHRASES:  # "yes, that's right" is "yes, correct"; a bare "right" is sarcasm
        cleaned = pattern.sub(word, cleaned)
    words = [w for w in re.split(rf"[\s,.!;:{YES_EMOJI}]+", cleaned.lower()) if w]
    allowed = YES_COMPANIONS | ACTION_WORDS.get(tool, frozenset())
    return bool(YES.match(cleaned)) and all(word in allowed for word in words)


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
