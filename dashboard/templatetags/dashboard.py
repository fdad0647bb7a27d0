import json
from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

from hitl.sla import sla_state
from tenants.selectors import tenant_ids_for_user

register = template.Library()
BADGES = {"on_track": "On track", "due_soon": "Due soon", "breached": "Breached"}


@register.simple_tag
def sla_badge(due_at, warn_at, now):
    """The SLA clock's badge, by the same rule as the review console (``hitl.sla.sla_state``)."""
    state = sla_state(due_at=due_at, warn_at=warn_at, now=now)
    if not state:
        return "—"
    return format_html('<span class="sla sla-{}">{}</span>', state, BADGES[state])


@register.filter
def waited(since, now) -> str:
    """How long the shopper has waited, as an inbox column says it: "4 min", "3 h", "2 d"."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds // 60} min"


@register.simple_tag
def page_query(query, page):
    params = {"view": query.view, "sort": query.sort, "q": query.q, **query.filters, "page": page}
    return urlencode({k: v for k, v in params.items() if v})


@register.filter
def pretty_json(value):
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


@register.simple_tag(takes_context=True)
def unread_mentions(context) -> int:
    """How many notes @mention the signed-in member and wait to be read (the header's badge)."""
    from conversations.models import Mention

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    stores = tenant_ids_for_user(user=request.user)
    return Mention.objects.filter(tenant_id__in=stores, user=request.user, read_at__isnull=True).count()
