"""Reads about tenants and staff access. Every other app asks here who may see what."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from supportdesk.errors import NotFound
from tenants.models import Membership, Tenant, UsageDay

Role = Membership.Role
ALL_ROLES = frozenset(Role.values)


def tenant_get_by_slug(*, slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug, active=True).first()
    if tenant is None:
        raise NotFound(f"No active tenant with slug {slug!r}.")
    return tenant


def tenant_get_by_sms_number(*, number: str) -> Tenant:
    """The active tenant whose SMS number this is (Twilio's ``To``)."""
    tenant = Tenant.objects.filter(sms_number=number.strip(), active=True).first() if number.strip() else None
    if tenant is None:
        raise NotFound(f"No store receives SMS at {number!r}.")
    return tenant


def tenant_ids_for_user(*, user: AbstractBaseUser, roles: Iterable[str] = ALL_ROLES) -> set[int]:
    """Ids of the active tenants where ``user`` holds one of ``roles``."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.filter(user=user, role__in=list(roles), tenant__active=True).values_list(
            "tenant_id", flat=True
        )
    )


def usage_day() -> datetime.date:
    """The day usage is counted in (UTC: one boundary for every store and worker)."""
    return timezone.now().astimezone(datetime.UTC).date()


def usage_today(*, tenant: Tenant) -> tuple[int, Decimal]:
    """The store's LLM tokens and cost so far today."""
    row = UsageDay.objects.for_tenant(tenant).filter(day=usage_day()).values_list("llm_tokens", "llm_cost").first()
    return row if row is not None else (0, Decimal("0"))


def llm_budget_left(*, tenant: Tenant) -> tuple[int | None, Decimal | None]:
    """Tokens and dollars the store's AI may still spend today (None: no limit; 0 or less: spent)."""
    if tenant.llm_daily_token_budget is None and tenant.llm_daily_cost_budget is None:
        return None, None
    tokens, cost = usage_today(tenant=tenant)
    return (
        None if tenant.llm_daily_token_budget is None else tenant.llm_daily_token_budget - tokens,
        None if tenant.llm_daily_cost_budget is None else tenant.llm_daily_cost_budget - cost,
    )
