"""Writes about tenants: API keys, widget keys, the audit log and usage."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone

from supportdesk.errors import ApplicationError, PermissionDenied
from tenants.models import ApiKey, AuditEvent, Tenant, UsageDay, WidgetKey
from tenants.selectors import usage_day

API_KEY_PREFIX = "sd_"


def _hash_secret(secret: str) -> str:
    # API secrets are 32 random bytes, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str  # shown once, never stored


def audit_record(
    *,
    tenant: Tenant,
    verb: str,
    actor_kind: str = AuditEvent.ActorKind.SYSTEM,
    actor_user: AbstractBaseUser | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    data: dict | None = None,
) -> AuditEvent:
    user = actor_user if actor_user is not None and actor_user.is_authenticated else None
    return AuditEvent.objects.create(
        tenant=tenant,
        verb=verb,
        actor_kind=actor_kind,
        actor_user=user,
        # The name outlives the account: deleting a user keeps who did what.
        actor_label=actor_label or (user.get_username() if user else ""),
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        data=data or {},
    )


@transaction.atomic
def api_key_create(
    *, tenant: Tenant, name: str, scopes: list[str], created_by: AbstractBaseUser | None = None
) -> IssuedApiKey:
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown:
        raise ApplicationError(f"Unknown scope(s): {', '.join(sorted(unknown))}.", code="invalid_scope")
    if not name.strip():
        raise ApplicationError("An API key needs a name.", code="invalid_name")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        tenant=tenant,
        name=name.strip(),
        prefix=prefix,
        hashed_secret=_hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    audit_record(
        tenant=tenant,
        verb="api_key.created",
        actor_kind=AuditEvent.ActorKind.USER if created_by else AuditEvent.ActorKind.SYSTEM,
        actor_user=created_by,
        target=api_key,
        data={"scopes": api_key.scopes},
    )
    return IssuedApiKey(api_key=api_key, raw_key=f"{API_KEY_PREFIX}{prefix}_{secret}")


def api_key_authenticate(*, raw_key: str) -> ApiKey:
    """The live key for ``raw_key``, with its tenant; PermissionDenied for anything else."""
    body = raw_key.removeprefix(API_KEY_PREFIX)
    prefix, _, secret = body.partition("_")
    api_key = ApiKey.objects.select_related("tenant").filter(prefix=prefix).first() if prefix and secret else None
    if api_key is None or not hmac.compare_digest(api_key.hashed_secret, _hash_secret(secret)):
        raise PermissionDenied("Invalid API key.", code="invalid_api_key")
    if api_key.revoked or not api_key.tenant.active:
        raise PermissionDenied("This API key has been revoked.", code="revoked_api_key")
    # One cheap UPDATE; skipped when the key was used in the last minute.
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, revoked_by: AbstractBaseUser | None = None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            tenant=api_key.tenant,
            verb="api_key.revoked",
            actor_kind=AuditEvent.ActorKind.USER if revoked_by else AuditEvent.ActorKind.SYSTEM,
            actor_user=revoked_by,
            target=api_key,
        )
    return api_key


def widget_key_generate_values() -> dict[str, str]:
    """Fresh public key and signing secret for a new widget key."""
    return {"public_key": f"pk_{secrets.token_urlsafe(18)}", "secret": secrets.token_urlsafe(32)}


@transaction.atomic
def widget_key_create(
    *, tenant: Tenant, name: str, allowed_origins: list[str], created_by: AbstractBaseUser | None = None
) -> WidgetKey:
    widget_key = WidgetKey.objects.create(
        tenant=tenant, name=name, allowed_origins=allowed_origins, **widget_key_generate_values()
    )
    audit_record(
        tenant=tenant,
        verb="widget_key.created",
        actor_kind=AuditEvent.ActorKind.USER if created_by else AuditEvent.ActorKind.SYSTEM,
        actor_user=created_by,
        target=widget_key,
        data={"allowed_origins": allowed_origins},
    )
    return widget_key


def usage_record(*, tenant: Tenant, tokens: int, cost: Decimal) -> None:
    """Add one agent turn's LLM use to the store's day. One upsert: concurrent turns add up."""
    table = UsageDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (tenant_id, day, llm_tokens, llm_cost, turns) VALUES (%s, %s, %s, %s, 1)
                ON CONFLICT (tenant_id, day) DO UPDATE SET llm_tokens = {table}.llm_tokens + EXCLUDED.llm_tokens,
                    llm_cost = {table}.llm_cost + EXCLUDED.llm_cost, turns = {table}.turns + 1""",
            [tenant.pk, usage_day(), tokens, cost],
        )
