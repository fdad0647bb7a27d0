"""Channel adapters: email (SendGrid Inbound Parse in, Django's mail backend out) and SMS (Twilio)."""

import re

MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*([^()\s]+)\s*\)")


def plain_text(body: str) -> str:
    """Replies are written for the widget, which renders Markdown links; email and SMS are plain
    text, so a link is spelled out: "Returns: https://..."."""
    return MARKDOWN_LINK.sub(lambda m: f"{m[1]}: {m[2]}", body)


class DeliveryFailed(Exception):
    """A send did not go through. ``permanent``: trying again cannot help (no address, a
    number the provider refuses), so the message is failed at once."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent
