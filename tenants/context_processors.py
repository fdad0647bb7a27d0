from django.utils.functional import SimpleLazyObject

from tenants.models import Membership


def memberships(request):
    """The stores and roles of the signed-in staff member, for page headers (lazy: no query unless used)."""

    def load():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return list(Membership.objects.filter(user=user, tenant__active=True).select_related("tenant"))

    return {"staff_memberships": SimpleLazyObject(load)}
