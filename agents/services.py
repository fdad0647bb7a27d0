"""Writes of the agents app (so far: the tenant's intents, the categories triage picks from)."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from agents.models import AgentProfile, AgentRun, Intent, IntentExample
from conversations.models import Ticket
from knowledge.embeddings import EmbeddingError, get_provider
from supportdesk.errors import ApplicationError
from tenants.models import AuditEvent, Tenant
from tenants.services import audit_record

MAX_EXAMPLE_CHARS = 500


def _clean_examples(examples) -> list[str]:
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise ApplicationError("examples must be a list of strings.", code="invalid_examples")
    cleaned = list(dict.fromkeys(" ".join(e.split())[:MAX_EXAMPLE_CHARS] for e in examples if e.strip()))
    if not cleaned:
        raise ApplicationError("An intent needs at least one example.", code="invalid_examples")
    return cleaned


def intent_examples_sync(*, intent: Intent) -> int:
    """Make the example rows match ``intent.examples`` and embed them (a few dozen: done inline).
    On an embeddings failure the rows stay without vectors and triage falls back to rules."""
    existing = {row.text: row for row in IntentExample.objects.filter(intent=intent)}
    wanted = list(intent.examples)
    IntentExample.objects.filter(intent=intent).exclude(text__in=wanted).delete()
    provider = get_provider()
    rows = [existing.get(text) or IntentExample(tenant=intent.tenant, intent=intent, text=text) for text in wanted]
    stale = [row for row in rows if row.embedding is None or row.embedding_model != provider.identity]
    try:
        # Examples are embedded like queries: triage compares a shopper message with them.
        vectors = provider.embed_queries([row.text for row in stale])
    except EmbeddingError:
        vectors = [None] * len(stale)
    for row, vector in zip(stale, vectors, strict=True):
        row.embedding = vector
        row.embedding_model = provider.identity if vector is not None else ""
    IntentExample.objects.bulk_create([row for row in rows if row.pk is None])
    IntentExample.objects.bulk_update([row for row in stale if row.pk is not None], ["embedding", "embedding_model"])
    return len(stale)


@transaction.atomic
def intent_save(*, intent: Intent, actor: AbstractBaseUser | None = None) -> Intent:
    intent.name = (intent.name or "").strip().lower()
    if not intent.name:
        raise ApplicationError("An intent needs a name.", code="invalid_name")
    if intent.priority not in Ticket.Priority.values:
        raise ApplicationError(f"Unknown priority {intent.priority!r}.", code="invalid_priority")
    if intent.target_profile_id and intent.target_profile.tenant_id != intent.tenant_id:
        raise ApplicationError("The target profile belongs to another tenant.", code="cross_tenant")
    intent.examples = _clean_examples(intent.examples)
    created = intent.pk is None
    intent.save()
    intent_examples_sync(intent=intent)
    audit_record(
        tenant=intent.tenant,
        verb="intent.created" if created else "intent.updated",
        actor_kind=AuditEvent.ActorKind.USER if actor else AuditEvent.ActorKind.SYSTEM,
        actor_user=actor,
        target=intent,
    )
    return intent


@dataclass(frozen=True)
class IntentsLoaded:
    created: list[str]
    updated: list[str]
    removed: list[str]


@transaction.atomic
def intents_load(*, tenant: Tenant, items, replace: bool = False) -> IntentsLoaded:
    """Create or update intents from ``[{"name", "description", "examples", "priority", "profile"?}]``.
    With ``replace``, the tenant's intents missing from ``items`` are deleted. All or nothing."""
    if not isinstance(items, list) or not items:
        raise ApplicationError("Expected a non-empty JSON list of intents.", code="invalid_file")
    profiles = {p.name.lower(): p for p in AgentProfile.objects.for_tenant(tenant)}
    created, updated, seen = [], [], set()
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ApplicationError(f'Intent #{position} needs a "name".', code="invalid_intent")
        name = item["name"].strip().lower()
        if name in seen:
            raise ApplicationError(f"Intent {name!r} appears twice.", code="duplicate_intent")
        seen.add(name)
        profile_name = item.get("profile")
        profile = profiles.get(profile_name.lower()) if isinstance(profile_name, str) else None
        if profile_name and profile is None:
            raise ApplicationError(f"Intent {name!r}: no agent profile named {profile_name!r}.", code="unknown_profile")
        intent = Intent.objects.for_tenant(tenant).filter(name=name).first() or Intent(tenant=tenant, name=name)
        (created if intent.pk is None else updated).append(name)
        intent.description = str(item.get("description") or "")[:255]
        intent.examples = item.get("examples")
        intent.priority = item.get("priority") or Ticket.Priority.NORMAL
        intent.target_profile = profile
        try:
            intent_save(intent=intent)
        except ApplicationError as exc:
            raise ApplicationError(f"Intent {name!r}: {exc.message}", code=exc.code) from exc
    removed = []
    if replace:
        gone = Intent.objects.for_tenant(tenant).exclude(name__in=seen)
        removed = sorted(gone.values_list("name", flat=True))
        gone.delete()
    return IntentsLoaded(created=created, updated=updated, removed=removed)


def agent_run_review_decided(review, decision) -> None:
    """hitl's decision hook (registered in agents.apps): the agent run that asked for the review
    carries its outcome, so a run's record says what became of what it proposed."""
    if not review.turn_key or review.conversation_id is None:
        return
    run = (
        AgentRun.objects.for_tenant(review.tenant_id)
        .filter(conversation_id=review.conversation_id, turn_key=review.turn_key)
        .exclude(status=AgentRun.Status.FAILED)
        .order_by("-id")
        .first()
    )
    if run is not None:
        run.flags = sorted({*run.flags, f"review_{decision.outcome}"})
        run.save(update_fields=["flags"])
