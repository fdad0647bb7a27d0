import pytest
from django.db import DatabaseError, IntegrityError, models, transaction

from tenants.models import AuditEvent, Membership, Tenant
from tests import factories as f

pytestmark = pytest.mark.django_db

ALL_FACTORIES = [
    f.TenantFactory,
    f.UserFactory,
    f.MembershipFactory,
    f.ApiKeyFactory,
    f.WidgetKeyFactory,
    f.AuditEventFactory,
    f.UsageDayFactory,
    f.ProductFactory,
    f.InventoryFactory,
    f.CustomerFactory,
    f.OrderFactory,
    f.OrderItemFactory,
    f.RefundFactory,
    f.ReturnLabelFactory,
    f.ArticleFactory,
    f.ArticleVersionFactory,
    f.IntentFactory,
    f.IntentExampleFactory,
    f.ChunkFactory,
    f.LexemeCountFactory,
    f.ConversationSearchFactory,
    f.ConversationFactory,
    f.MessageFactory,
    f.TicketFactory,
    f.NoteFactory,
    f.MentionFactory,
    f.CannedReplyFactory,
    f.ReviewRequestFactory,
    f.ReviewDecisionFactory,
    f.OutcomeMessageFactory,
    f.EscalationPolicyFactory,
    f.SlaTargetFactory,
    f.QueueFactory,
    f.QueueMemberFactory,
    f.StaffStatusFactory,
    f.BusinessCalendarFactory,
    f.BusinessPeriodFactory,
    f.HolidayFactory,
    f.TicketSlaFactory,
    f.SlaClockFactory,
    f.SlaBreachFactory,
    f.AgentProfileFactory,
    f.AgentRunFactory,
    f.ToolCallFactory,
]


def _tenant_ids_in_graph(obj: models.Model, seen: set | None = None) -> set[int]:
    """Every tenant id reachable from ``obj`` through its foreign keys."""
    seen = set() if seen is None else seen
    key = (type(obj), obj.pk)
    if key in seen:
        return set()
    seen.add(key)
    ids = {obj.tenant_id} if hasattr(obj, "tenant_id") else set()
    for field in obj._meta.concrete_fields:
        if field.is_relation and field.related_model is not Tenant:
            related = getattr(obj, field.name)
            if related is not None:
                ids |= _tenant_ids_in_graph(related, seen)
    return ids


def test_every_model_has_a_factory():
    from django.apps import apps

    own_apps = {"tenants", "orders", "conversations", "knowledge", "hitl", "agents"}
    models_with_factories = {factory._meta.model for factory in ALL_FACTORIES}
    own_models = {m for m in apps.get_models() if m._meta.app_label in own_apps}
    assert own_models - models_with_factories == set()


@pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda factory: factory.__name__)
def test_factory_builds_a_valid_saved_row(factory):
    obj = factory()

    model = type(obj)
    assert model.objects.filter(pk=obj.pk).exists()
    obj.refresh_from_db()
    obj.full_clean()
    # A second row must not collide with the first on any unique field.
    second = factory()
    assert second.pk != obj.pk


@pytest.mark.parametrize(
    "factory",
    [factory for factory in ALL_FACTORIES if factory not in (f.TenantFactory, f.UserFactory)],
    ids=lambda factory: factory.__name__,
)
def test_factory_builds_its_whole_graph_in_one_tenant(factory):
    obj = factory()

    assert _tenant_ids_in_graph(obj) == {obj.tenant_id}


@pytest.mark.parametrize(
    ("factory", "parent_factory", "parent_field"),
    [
        (f.OrderFactory, f.CustomerFactory, "customer"),
        (f.ConversationFactory, f.CustomerFactory, "customer"),
        (f.TicketFactory, f.CustomerFactory, "customer"),
        (f.OrderItemFactory, f.OrderFactory, "order"),
        (f.RefundFactory, f.OrderFactory, "order"),
        (f.ChunkFactory, f.ArticleFactory, "article"),
        (f.ArticleVersionFactory, f.ArticleFactory, "article"),
        (f.MessageFactory, f.ConversationFactory, "conversation"),
        (f.InventoryFactory, f.ProductFactory, "product"),
        (f.AgentRunFactory, f.ConversationFactory, "conversation"),
        (f.ToolCallFactory, f.AgentRunFactory, "run"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else v,
)
def test_factory_follows_the_tenant_of_a_given_parent_or_a_given_tenant(
    factory, parent_factory, parent_field, tenant, other_tenant
):
    parent = parent_factory(tenant=other_tenant)

    from_parent = factory(**{parent_field: parent})
    from_tenant = factory(tenant=tenant)

    assert _tenant_ids_in_graph(from_parent) == {other_tenant.pk}
    assert _tenant_ids_in_graph(from_tenant) == {tenant.pk}


def test_tenant_slug_is_unique():
    f.TenantFactory(slug="acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.TenantFactory(slug="acme")


def test_tenant_refund_threshold_cannot_be_negative():
    with pytest.raises(IntegrityError, match="tenant_threshold_gte_0"), transaction.atomic():
        f.TenantFactory(refund_review_threshold=-1)


def test_membership_is_unique_per_user_and_tenant(tenant, other_tenant):
    user = f.UserFactory()
    f.MembershipFactory(tenant=tenant, user=user)
    f.MembershipFactory(tenant=other_tenant, user=user)

    with pytest.raises(IntegrityError, match="membership_unique_user_per_tenant"), transaction.atomic():
        f.MembershipFactory(tenant=tenant, user=user, role=Membership.Role.ADMIN)
    assert Membership.objects.filter(user=user).count() == 2


def test_user_factory_staff_flag():
    assert f.UserFactory(staff=True).is_staff is True
    assert f.UserFactory().is_staff is False


def test_user_factory_password_is_usable():
    user = f.UserFactory()
    assert user.check_password("password")


def test_api_key_factory_stores_only_a_sha256_of_the_secret():
    import hashlib

    key = f.ApiKeyFactory(secret="s3cret")

    assert key.hashed_secret == hashlib.sha256(b"s3cret").hexdigest()
    assert not key.revoked


def test_api_key_prefix_is_globally_unique(tenant, other_tenant):
    f.ApiKeyFactory(tenant=tenant, prefix="sdk_same")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ApiKeyFactory(tenant=other_tenant, prefix="sdk_same")


def test_audit_event_insert_works_and_update_is_refused(tenant):
    event = f.AuditEventFactory(tenant=tenant, verb="refund.approved")

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="refund.rejected")
    event.verb = "refund.rejected"
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        event.save()

    event.refresh_from_db()
    assert event.verb == "refund.approved"
    f.AuditEventFactory(tenant=tenant, verb="refund.processed")
    assert AuditEvent.objects.for_tenant(tenant).count() == 2


def test_tenant_with_audit_history_cannot_be_deleted(tenant):
    from django.db.models import ProtectedError

    f.AuditEventFactory(tenant=tenant)

    with pytest.raises(ProtectedError), transaction.atomic():
        tenant.delete()
    assert Tenant.objects.filter(pk=tenant.pk).exists()


def test_a_user_with_audit_history_can_be_deleted_and_their_name_stays(tenant):
    from tenants import services

    user = f.UserFactory(username="departed")
    event = services.audit_record(tenant=tenant, verb="order.cancelled", actor_kind="user", actor_user=user)
    user.delete()
    event.refresh_from_db()
    assert event.actor_user is None
    assert event.actor_label == "departed"
    assert event.verb == "order.cancelled"


def test_audit_events_cannot_be_deleted(tenant):
    event = f.AuditEventFactory(tenant=tenant)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_for_tenant_returns_only_that_tenants_rows(tenant, other_tenant):
    mine = f.MembershipFactory.create_batch(2, tenant=tenant)
    f.MembershipFactory(tenant=other_tenant)
    mine_events = [f.AuditEventFactory(tenant=tenant)]
    f.AuditEventFactory(tenant=other_tenant)

    assert set(Membership.objects.for_tenant(tenant)) == set(mine)
    assert set(Membership.objects.for_tenant(tenant.pk)) == set(mine)
    assert list(AuditEvent.objects.for_tenant(tenant)) == mine_events


def test_a_tenant_without_audit_history_can_be_deleted_with_its_orders(tenant):
    order = f.OrderItemFactory(tenant=tenant).order
    tenant.delete()
    assert not type(order).objects.filter(pk=order.pk).exists()
