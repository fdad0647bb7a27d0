"""Reads of agent profiles and runs. Every function takes the tenant."""

from django.db.models import QuerySet

from agents.models import AgentProfile, AgentRun
from tenants.models import Tenant


def agent_profile_list_active(*, tenant: Tenant) -> QuerySet[AgentProfile]:
    return AgentProfile.objects.for_tenant(tenant).filter(active=True)


def agent_run_list(*, tenant: Tenant, conversation_id: int) -> QuerySet[AgentRun]:
    return AgentRun.objects.for_tenant(tenant).filter(conversation_id=conversation_id).prefetch_related("tool_calls")
