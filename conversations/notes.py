"""Internal notes: the staff's words to each other beside a conversation, never the shopper's
to read (the widget relays no ``note.created`` event), with @mentions that notify colleagues."""

import re

from django.db import transaction
from django.utils import timezone

from conversations.events import event_publish
from conversations.models import Conversation, Mention, Note
from conversations.ownership import answering_staff_check
from conversations.services import message_text_clean
from tenants.models import AuditEvent, Membership
from tenants.services import audit_record

# "@sam" or "@sam.lee": a name not glued to a word before it (an email address is no mention).
MENTION = re.compile(r"(?<![\w.@])@([\w][\w.+-]*)")


def _mentioned(tenant_id: int, text: str, author) -> list:
    names = {name.rstrip(".").lower() for name in MENTION.findall(text)}
    if not names:
        return []
    staff = Membership.objects.filter(tenant_id=tenant_id).select_related("user")
    return [m.user for m in staff if m.user.get_username().lower() in names and m.user.pk != author.pk]


@transaction.atomic
def note_add(*, conversation: Conversation, author, body: str) -> Note:
    """A note by ``author`` (the store's answering staff); each colleague of the store it
    @mentions gets a mention to read, and the live ``note.created`` event names them."""
    answering_staff_check(user=author, tenant_id=conversation.tenant_id)
    text = message_text_clean(body)
    note = Note.objects.create(tenant_id=conversation.tenant_id, conversation=conversation, author=author, body=text)
    mentioned = _mentioned(conversation.tenant_id, text, author)
    Mention.objects.bulk_create([Mention(tenant_id=conversation.tenant_id, note=note, user=u) for u in mentioned])
    audit_record(
        tenant=conversation.tenant, verb="conversation.note_added", target=conversation,
        actor_kind=AuditEvent.ActorKind.USER, actor_user=author,
        data={"note": note.pk, "mentions": [u.get_username() for u in mentioned]},
    )  # fmt: skip
    event_publish(
        tenant_id=conversation.tenant_id, conversation_id=conversation.pk, kind="note.created",
        data={"id": note.pk, "author": author.get_username(), "body": note.body,
              "mentions": [u.get_username() for u in mentioned], "created_at": note.created_at.isoformat()},
    )  # fmt: skip
    return note


def mentions_read(*, user, tenant_id: int, mention_ids: list[int] | None = None) -> int:
    """Mark ``user``'s mentions in the store read (all of them, or those given). Returns how many."""
    unread = Mention.objects.filter(tenant_id=tenant_id, user=user, read_at__isnull=True)
    if mention_ids is not None:
        unread = unread.filter(pk__in=mention_ids)
    return unread.update(read_at=timezone.now())
