import pytest
from django.db import DatabaseError, transaction

from supportdesk.errors import ApplicationError, PermissionDenied
from tenants import selectors, services
from tenants.models import ApiKey, AuditEvent, Membership
from tests.factories import MembershipFactory, TenantFactory, UserFactory


@pytest.mark.django_db
class TestApiKeys:
    def test_a_new_key_authenticates_to_its_tenant_and_only_its_hash_is_stored(self, tenant):
        issued = services.api_key_create(tenant=tenant, name="Shopify sync", scopes=["read", "write"])
        stored = ApiKey.objects.get(pk=issued.api_key.pk)
        # The secret is everything after "sd_<prefix>_" (it may hold "_" itself: token_urlsafe).
        secret = issued.raw_key.removeprefix(f"{services.API_KEY_PREFIX}{stored.prefix}_")
        assert len(secret) >= 40
        assert secret not in str(vars(stored))
        assert len(stored.hashed_secret) == 64
        assert services.api_key_authenticate(raw_key=issued.raw_key).tenant == tenant
        assert AuditEvent.objects.for_tenant(tenant).filter(verb="api_key.created").count() == 1

    @pytest.mark.parametrize(
        "mangle", [lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), lambda k: "sd_nope", str.upper, lambda k: ""]
    )
    def test_a_wrong_key_is_refused(self, tenant, mangle):
        issued = services.api_key_create(tenant=tenant, name="k", scopes=["read"])
        with pytest.raises(PermissionDenied) as error:
            services.api_key_authenticate(raw_key=mangle(issued.raw_key))
        assert error.value.code == "invalid_api_key"

    def test_a_revoked_key_is_refused(self, tenant):
        issued = services.api_key_create(tenant=tenant, name="k", scopes=["read"])
        services.api_key_revoke(api_key=issued.api_key)
        with pytest.raises(PermissionDenied) as error:
            services.api_key_authenticate(raw_key=issued.raw_key)
        assert error.value.code == "revoked_api_key"

    def test_a_key_of_a_deactivated_tenant_is_refused(self, tenant):
        issued = services.api_key_create(tenant=tenant, name="k", scopes=["read"])
        tenant.active = False
        tenant.save()
        with pytest.raises(PermissionDenied):
            services.api_key_authenticate(raw_key=issued.raw_key)

    def test_unknown_scopes_and_blank_names_are_refused(self, tenant):
        with pytest.raises(ApplicationError, match="Unknown scope"):
            services.api_key_create(tenant=tenant, name="k", scopes=["root"])
        with pytest.raises(ApplicationError, match="needs a name"):
            services.api_key_create(tenant=tenant, name="  ", scopes=["read"])
        assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_audit_events_are_append_only(tenant):
    event = services.audit_record(tenant=tenant, verb="tenant.updated", data={"field": "tier"})
    event.verb = "tampered"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).verb == "tenant.updated"


@pytest.mark.django_db
class TestSelectors:
    def test_tenant_ids_for_user_follow_memberships_roles_and_active_tenants(self):
        user = UserFactory(staff=True)
        shop, other, closed = TenantFactory(), TenantFactory(), TenantFactory(active=False)
        MembershipFactory(user=user, tenant=shop, role=Membership.Role.REVIEWER)
        MembershipFactory(user=user, tenant=closed, role=Membership.Role.OWNER)
        MembershipFactory(tenant=other)
        assert selectors.tenant_ids_for_user(user=user) == {shop.pk}
        assert selectors.tenant_ids_for_user(user=user, roles={"owner"}) == set()

    def test_unknown_or_inactive_slug_is_not_found(self):
        TenantFactory(slug="closed", active=False)
        from supportdesk.errors import NotFound

        with pytest.raises(NotFound):
            selectors.tenant_get_by_slug(slug="closed")
        with pytest.raises(NotFound):
            selectors.tenant_get_by_slug(slug="nope")
