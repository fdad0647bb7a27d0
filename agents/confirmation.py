"""Is the shopper's message an explicit yes to the action the agent proposed?

Deliberately strict: a consequential action needs an unmistakable yes. Anything hedged,
negated, asking something back or asking for something more is not one, and the agent asks
again or carries on talking.
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
    r"^(ok|okay|sure|right|correct|sounds good|that'?s (right|fine|correct)|fine)"
    r"([ ,]+(go ahead|do it|please|please do|yes))*$",
    re.IGNORECASE,
)
# Hedges, negations, second requests, in the languages whose yes counts above.
NOT_YES = re.compile(
    r"\b(no|nope|not|don'?t|do not|wait|hold on|stop|cancel that|never ?mind|but|instead|actually|unless|"
    r"think|check|first|later|maybe|mind|also|and|then|if|"
    r"pero|espera|mais|non|attends|aber|nein|warte|doch)\b|\?",
    re.IGNORECASE,
)
MAX_WORDS = 8  # a longer message is a new request, not an answer to "shall I go ahead?"


def is_explicit_yes(text: str) -> bool:
    cleaned = " ".join((text or "").split())
    if cleaned == "👍":
        return True
    cleaned = re.sub(r"[!.,🙂👍\s]+$", "", cleaned)
    if not cleaned or len(cleaned.split()) > MAX_WORDS or NOT_YES.search(cleaned):
        return False
    return bool(YES.match(cleaned) or WEAK_YES.match(cleaned))
