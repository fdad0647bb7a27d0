"""A staff member's live view of one conversation: the history, then everything new as it
happens (messages, the agent's tool calls, ticket changes, typing) over ``/ws/staff/``. The
dashboard builds on the same feed."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from conversations.models import Conversation
from conversations.selectors import message_list
from tenants.selectors import tenant_ids_for_user


@login_required
def conversation_live(request, conversation_id: int):
    tenant_ids = tenant_ids_for_user(user=request.user)
    conversation = (
        Conversation.objects.select_related("tenant", "customer")
        .filter(pk=conversation_id, tenant_id__in=tenant_ids)
        .first()
    )
    if conversation is None:  # not there, or another store's: the same answer
        raise Http404("No such conversation.")
    messages = message_list(tenant=conversation.tenant, conversation_id=conversation.pk)
    ticket = conversation.tickets.order_by("-created_at").first()
    context = {"conversation": conversation, "messages": messages, "ticket": ticket}
    return render(request, "conversations/conversation_live.html", context)
