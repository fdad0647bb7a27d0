"""The admin is tenant-scoped for staff who are not superusers, for every model in it."""

import html

import pytest
from django.contrib import admin
from django.urls import reverse

from tenants.admin_base import ReadOnlyAdmin, TenantScopedAdmin
from tenants.models import AuditEvent, Membership
from tests import factories

SCOPED = sorted(
    (model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, TenantScopedAdmin)),
    key=lambda model: model._meta.label,
)


def factory_for(model):
    return getattr(factories, f"{model.__name__}Factory")


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def staff_of(tenant, role):
    user = factories.UserFactory(staff=True)
    factories.MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def test_every_tenant_owned_model_is_in_the_admin_and_scoped():
    from django.apps import apps

    from conversations.models import ConversationSearch, Mention
    from hitl.models import BusinessPeriod, Holiday, QueueMember, SlaTarget
    from knowledge.models import LexemeCount
    from tenants.models import TenantScopedModel

    # Search statistics and documents kept by database triggers: nothing a person reads or edits.
    internal = {LexemeCount, ConversationSearch}
    # Edited on their parent's page only (a calendar's hours and holidays, a policy's targets),
    # through TenantScopedInline: the parent's tenant and permissions.
    internal |= {BusinessPeriod, Holiday, SlaTarget, QueueMember, Mention}  # (a note's mentions)
    owned = {m for m in apps.get_models() if issubclass(m, TenantScopedModel)}
    assert owned - internal == set(SCOPED)


@pytest.mark.django_db
@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_staff_see_only_their_tenants_rows(client, tenant, other_tenant, model):
    mine = factory_for(model)(tenant=tenant)
    theirs = factory_for(model)(tenant=other_tenant)
    client.force_login(staff_of(tenant, Membership.Role.OWNER))

    listing = client.get(url(model, "changelist"))
    assert listing.status_code == 200
    shown = {obj.pk for obj in listing.context["cl"].result_list}
    assert mine.pk in shown
    assert theirs.pk not in shown

    assert client.get(url(model, "change", mine.pk)).status_code == 200
    # Another tenant's row is "not found" (a redirect to the index), never shown.
    foreign = client.get(url(model, "change", theirs.pk))
    assert foreign.status_code == 302
    assert client.get(url(model, "delete", theirs.pk)).status_code in (302, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_superusers_see_every_tenant(client, tenant, other_tenant, model):
    rows = [factory_for(model)(tenant=tenant), factory_for(model)(tenant=other_tenant)]
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert {row.pk for row in rows} <= {obj.pk for obj in listing.context["cl"].result_list}


@pytest.mark.django_db
def test_staff_without_membership_see_no_apps(client, tenant):
    client.force_login(factories.UserFactory(staff=True))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert client.get(url(factories.Product._meta.model, "changelist")).status_code == 403


@pytest.mark.django_db
def test_add_form_offers_only_own_tenants_and_their_rows(client, tenant, other_tenant):
    mine = factories.CustomerFactory(tenant=tenant)
    theirs = factories.CustomerFactory(tenant=other_tenant)
    client.force_login(staff_of(tenant, Membership.Role.ADMIN))
    form = client.get(url(factories.Conversation._meta.model, "add")).context["adminform"].form
    assert list(form.fields["tenant"].queryset) == [tenant]
    assert list(form.fields["customer"].queryset) == [mine]
    assert theirs not in form.fields["customer"].queryset


@pytest.mark.django_db
def test_a_row_cannot_point_at_another_tenants_data(client, tenant, other_tenant):
    from conversations.models import Conversation

    theirs = factories.CustomerFactory(tenant=other_tenant)
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        url(Conversation, "add"),
        {"tenant": tenant.pk, "customer": theirs.pk, "channel": "web", "status": "open", "handled_by": "ai"},
    )
    assert response.status_code == 200
    assert "This belongs to another tenant." in response.content.decode()
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_viewers_can_look_but_not_change(client, tenant):
    from orders.models import Product

    product = factories.ProductFactory(tenant=tenant, name="RTX 4090")
    client.force_login(staff_of(tenant, Membership.Role.VIEWER))
    assert client.get(url(Product, "change", product.pk)).status_code == 200
    response = client.post(url(Product, "change", product.pk), {"name": "Renamed"})
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name == "RTX 4090"
    assert client.get(url(Product, "add")).status_code == 403


@pytest.mark.django_db
def test_support_agents_work_tickets_but_not_agent_profiles(client, tenant):
    from agents.models import AgentProfile
    from conversations.models import Ticket

    client.force_login(staff_of(tenant, Membership.Role.AGENT))
    assert client.get(url(Ticket, "add")).status_code == 200
    assert client.get(url(AgentProfile, "add")).status_code == 403


@pytest.mark.django_db
def test_reviewers_decide_review_requests(client, tenant):
    from hitl.models import ReviewRequest

    review = factories.ReviewRequestFactory(tenant=tenant)
    client.force_login(staff_of(tenant, Membership.Role.REVIEWER))
    page = client.get(url(ReviewRequest, "change", review.pk))
    assert page.status_code == 200
    # They decide with the page's buttons (hitl.services.review_decide); the form saves nothing.
    assert page.context["may_decide"] is True and page.context["has_change_permission"] is False
    assert 'value="approve"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m in SCOPED if isinstance(admin.site._registry[m], ReadOnlyAdmin)])
def test_product_written_records_are_read_only_even_for_superusers(client, tenant, model):
    row = factory_for(model)(tenant=tenant)
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_audit_log_lists_events_of_own_tenant_only(client, tenant, other_tenant):
    from tenants import services

    services.audit_record(tenant=tenant, verb="mine.happened")
    services.audit_record(tenant=other_tenant, verb="theirs.happened")
    client.force_login(staff_of(tenant, Membership.Role.VIEWER))
    page = client.get(url(AuditEvent, "changelist")).content.decode()
    assert "mine.happened" in page
    assert "theirs.happened" not in page


@pytest.mark.django_db
def test_tenant_page_shows_only_own_tenant_and_locks_plan_fields(client, tenant, other_tenant):
    from tenants.models import Tenant

    client.force_login(staff_of(tenant, Membership.Role.OWNER))
    listing = client.get(url(Tenant, "changelist"))
    assert [t.pk for t in listing.context["cl"].result_list] == [tenant.pk]
    assert client.get(url(Tenant, "change", other_tenant.pk)).status_code == 302
    form = client.get(url(Tenant, "change", tenant.pk)).context["adminform"]
    assert {"slug", "tier", "active"} <= set(form.readonly_fields)


@pytest.mark.django_db
def test_creating_an_api_key_in_the_admin_shows_the_secret_once(client, tenant):
    from tenants import services
    from tenants.models import ApiKey

    client.force_login(staff_of(tenant, Membership.Role.OWNER))
    response = client.post(
        url(ApiKey, "add"), {"tenant": tenant.pk, "name": "ERP", "scopes": ["read", "write"]}, follow=True
    )
    assert response.status_code == 200
    notices = [str(m) for m in response.context["messages"]]
    raw = next(n for n in notices if "will not be shown again" in n).rsplit(" ", 1)[1]
    assert services.api_key_authenticate(raw_key=raw).tenant == tenant
    assert ApiKey.objects.get().scopes == ["read", "write"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Membership.Role.AGENT, Membership.Role.REVIEWER, Membership.Role.VIEWER])
def test_keys_and_memberships_are_for_managers_only(client, tenant, role):
    from tenants.models import ApiKey, WidgetKey

    key = factories.WidgetKeyFactory(tenant=tenant)
    client.force_login(staff_of(tenant, role))
    for model in (WidgetKey, ApiKey, Membership):
        assert client.get(url(model, "changelist")).status_code == 403
    assert client.get(url(WidgetKey, "change", key.pk)).status_code == 403
    assert key.secret not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_managers_see_the_widget_secret(client, tenant):
    from tenants.models import WidgetKey

    key = factories.WidgetKeyFactory(tenant=tenant)
    client.force_login(staff_of(tenant, Membership.Role.ADMIN))
    page = client.get(url(WidgetKey, "change", key.pk)).content.decode()
    assert key.secret in page
    # The tag to paste into the store's pages, with this server's address.
    tag = f'<script src="http://testserver/static/widget/widget.js" data-key="{key.public_key}" async></script>'
    assert html.escape(tag) in page


@pytest.mark.django_db
def test_the_header_names_the_staff_members_stores_and_roles(client, tenant, other_tenant):
    user = staff_of(tenant, Membership.Role.REVIEWER)
    factories.MembershipFactory(user=user, tenant=other_tenant, role=Membership.Role.VIEWER)
    client.force_login(user)
    page = client.get(reverse("admin:index")).content.decode()
    assert f"{tenant.name} (reviewer)" in page
    assert f"{other_tenant.name} (viewer)" in page


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_every_model_has_list_columns_search_and_filters(model):
    model_admin = admin.site._registry[model]
    assert len(model_admin.list_display) >= 3
    assert model_admin.search_fields
    assert model_admin.list_filter


@pytest.mark.django_db
def test_store_staff_see_inline_rows_and_managers_edit_them(client, tenant):
    from orders.models import Product

    stock = factories.InventoryFactory(tenant=tenant, warehouse="Reno DC")
    client.force_login(staff_of(tenant, Membership.Role.VIEWER))
    page = client.get(url(Product, "change", stock.product.pk))
    assert "Reno DC" in page.content.decode()
    client.force_login(staff_of(tenant, Membership.Role.ADMIN))
    formsets = client.get(url(Product, "change", stock.product.pk)).context["inline_admin_formsets"]
    rows = next(f for f in formsets if f.formset.model is type(stock))
    assert rows.has_change_permission is True


@pytest.mark.django_db
def test_a_widget_key_added_in_the_admin_gets_a_key_a_secret_and_an_audit_event(client, tenant):
    from tenants.models import WidgetKey

    client.force_login(staff_of(tenant, Membership.Role.OWNER))
    data = {"tenant": tenant.pk, "name": "Storefront", "allowed_origins": "https://shop.example", "active": "on"}
    assert client.post(url(WidgetKey, "add"), data).status_code == 302
    key = WidgetKey.objects.get()
    assert key.public_key.startswith("pk_") and len(key.secret) >= 32
    assert key.allowed_origins == ["https://shop.example"]
    assert AuditEvent.objects.for_tenant(tenant).filter(verb="widget_key.created", target_id=str(key.pk)).exists()
