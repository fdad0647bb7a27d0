"""Demo data for `manage.py seed_demo`: two stores, their staff, catalogues, orders and knowledge base.

Importable without Django set up, so scripts can print the logins:

    from supportdesk.demo import DEMO_LOGINS, DEMO_PASSWORD
"""

from supportdesk.demo.macrocenter import MACROCENTER
from supportdesk.demo.northwind import NORTHWIND
from supportdesk.demo.spec import TenantDemo, UserSpec

# Demo only: every seeded login shares it, and it is set only when the account is created.
DEMO_PASSWORD = "supportdesk-demo"

DEMO_USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", "admin@example.com", "Ada", "Admin", "superuser: every tenant, Django admin", is_superuser=True),
    UserSpec("owner", "owner@macrocenter.example", "Olivia", "Owens", "owner of Macro Center"),
    UserSpec("agent", "agent@macrocenter.example", "Sam", "Patel", "support agent at Macro Center"),
    UserSpec("reviewer", "reviewer@macrocenter.example", "Riley", "Nakamura", "reviewer at Macro Center (refunds)"),
    UserSpec("northwind", "owner@northwind.example", "Nora", "Lindqvist", "owner of Northwind Coffee"),
)

DEMO_LOGINS: list[tuple[str, str]] = [(user.username, user.description) for user in DEMO_USERS]

DEMO_TENANTS: tuple[TenantDemo, ...] = (MACROCENTER, NORTHWIND)

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DEMO_TENANTS", "DEMO_USERS"]
