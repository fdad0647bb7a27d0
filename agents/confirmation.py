"""Is the shopper's message an explicit yes to the action the agent proposed?

Deliberately strict: a consequential action needs an unmistakable yes. Anything hedged,
negated or asking something back is not one, and the agent asks again or carries on talking.
"""

import re

YES = re.compile(
    r"^(yes|yeah|yep|yup|ya|sure|ok|okay|confirm(ed)?|correct|right|absolutely|definitely|please do|do it|"
    r"go ahead|go for it|sounds good|that'?s (right|fine|correct)|yes please|si|sí|oui|ja)\b",
    re.IGNORECASE,
)
NOT_YES = re.compile(
    r"\b(no|nope|not|don'?t|do not|wait|hold on|stop|cancel that|never ?mind|but|instead|actually|unless)\b|\?",
    re.IGNORECASE,
)
MAX_WORDS = 8  # a longer message is a new request, not an answer to "shall I go ahead?"


def is_explicit_yes(text: str) -> bool:
    cleaned = " ".join((text or "").split())
    if cleaned == "👍":
        return True
    cleaned = re.sub(r"[!.,🙂👍\s]+$", "", cleaned)
    if not cleaned or len(cleaned.split()) > MAX_WORDS:
        return False
    return bool(YES.match(cleaned)) and not NOT_YES.search(cleaned)
