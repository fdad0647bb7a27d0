"""Reads about tenants and staff access. Every other app asks here who may see what."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser

from supportdesk.errors import NotFound
from tenants.models import Membership, Tenant

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
