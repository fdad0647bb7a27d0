"""Northwind Coffee: a small roaster, the second tenant that shows isolation.

Its order numbers deliberately repeat Macro Center's (ORD-1001...), and Alex Morgan shops at
both stores with the same email: each store has its own customer record and orders.
The knowledge base is in ``articles/northwind-coffee/``.
"""

from datetime import timedelta
from decimal import Decimal

from supportdesk.demo.spec import (
    AgentProfileSpec,
    ConversationSpec,
    CustomerSpec,
    EscalationPolicySpec,
    MessageSpec,
    OrderSpec,
    ProductSpec,
    TenantDemo,
    WidgetKeySpec,
)

D = Decimal
PRIORITY_MAIL = D("6.95")  # orders under $40; free above


def days(n: float) -> timedelta:
    return timedelta(days=n)


def bag(sku: str, name: str, price: str, *, origin: str, roast: str, process: str, grams: int, quantity: int):
    return ProductSpec(
        sku=sku,
        name=name,
        category="beans",
        price=D(price),
        attributes={"origin": origin, "roast": roast, "process": process, "weight_g": grams},
        description=f"Whole-bean {roast} roast, roasted to order on Mondays and Thursdays.",
        stock={"portland": quantity},
        low_stock_threshold=10,
    )


PRODUCTS = (
    bag(
        "NW-BEAN-ETH-YIRG-340",
        "Ethiopia Yirgacheffe Kochere, 12 oz",
        "19.50",
        origin="Ethiopia",
        roast="light",
        process="washed",
        grams=340,
        quantity=48,
    ),
    bag(
        "NW-BEAN-COL-HUILA-340",
        "Colombia Huila La Plata, 12 oz",
        "17.00",
        origin="Colombia",
        roast="medium",
        process="washed",
        grams=340,
        quantity=8,
    ),
    bag(
        "NW-BEAN-HOUSE-ESP-907",
        "Northwind House Espresso Blend, 2 lb",
        "36.00",
        origin="Brazil, Colombia, Ethiopia",
        roast="medium-dark",
        process="natural and washed",
        grams=907,
        quantity=30,
    ),
    bag(
        "NW-BEAN-DECAF-PERU-340",
        "Swiss Water Decaf Peru, 12 oz",
        "18.00",
        origin="Peru",
        roast="medium",
        process="Swiss Water decaf",
        grams=340,
        quantity=0,
    ),
    ProductSpec(
        sku="NW-GRD-ENCORE-ESP",
        name="Baratza Encore ESP Burr Grinder",
        category="grinder",
        price=D("199.95"),
        attributes={"burr_type": "conical steel", "burr_size_mm": 40, "espresso_capable": True},
        description="Entry-level burr grinder that handles espresso and filter.",
        stock={"portland": 6},
        low_stock_threshold=3,
    ),
    ProductSpec(
        sku="NW-GRD-FELLOW-ODE2",
        name="Fellow Ode Brew Grinder Gen 2",
        category="grinder",
        price=D("345.00"),
        attributes={"burr_type": "flat steel", "burr_size_mm": 64, "espresso_capable": False},
        description="Flat-burr grinder for pour-over, drip and French press; not for espresso.",
        stock={"portland": 2},
        low_stock_threshold=3,
    ),
    ProductSpec(
        sku="NW-BRW-V60-02",
        name="Hario V60 Ceramic Dripper, size 02",
        category="brewer",
        price=D("29.00"),
        attributes={"capacity_cups": "1-4", "material": "ceramic"},
        description="The classic cone pour-over dripper; uses V60 02 paper filters.",
        stock={"portland": 15},
    ),
    ProductSpec(
        sku="NW-BRW-CHEMEX-6",
        name="Chemex Classic 6-Cup Coffeemaker",
        category="brewer",
        price=D("49.50"),
        attributes={"capacity_cups": "6", "material": "glass"},
        description="Hand-blown glass pour-over brewer with a wood collar.",
        stock={"portland": 4},
    ),
)

ALEX = "alex.morgan@example.com"  # also a Macro Center shopper: a separate record here
BEN = "ben.carter@example.com"
CHLOE = "+15035550142"  # phone only
DIEGO = "diego.alvarez@example.com"


def address(line1: str, city: str, region: str, postal_code: str) -> dict[str, str]:
    return {"line1": line1, "city": city, "region": region, "postal_code": postal_code, "country": "US"}


CUSTOMERS = (
    CustomerSpec("Alex Morgan", address("214 Bedford Ave Apt 3R", "Brooklyn", "NY", "11249"), email=ALEX),
    CustomerSpec(
        "Ben Carter", address("2210 NE Alberta St", "Portland", "OR", "97211"), email=BEN, phone="+15035550187"
    ),
    CustomerSpec("Chloe Nguyen", address("815 SE Hawthorne Blvd", "Portland", "OR", "97214"), phone=CHLOE),
    CustomerSpec("Diego Alvarez", address("1420 Valencia St", "San Francisco", "CA", "94110"), email=DIEGO),
)

ORDERS = (
    OrderSpec(
        number="ORD-1001",
        customer=ALEX,
        status="delivered",
        items=(("NW-BEAN-ETH-YIRG-340", 2), ("NW-BRW-V60-02", 1)),
        placed_ago=days(9),
        carrier="USPS",
        tracking_number="9405511899560012345678",
        shipped_after=days(1),
        delivered_after=days(3),
    ),
    OrderSpec(
        number="ORD-1002",
        customer=BEN,
        status="shipped",
        items=(("NW-GRD-ENCORE-ESP", 1),),
        placed_ago=days(2),
        carrier="USPS",
        tracking_number="9405511899560012349921",
        shipped_after=days(1),
    ),
    OrderSpec(
        number="ORD-1003",
        customer=CHLOE,
        status="paid",
        items=(("NW-BEAN-HOUSE-ESP-907", 1),),
        placed_ago=days(1),
        shipping_cost=PRIORITY_MAIL,
    ),
    OrderSpec(
        number="ORD-1004",
        customer=DIEGO,
        status="pending",
        items=(("NW-GRD-FELLOW-ODE2", 1), ("NW-BEAN-COL-HUILA-340", 1)),
        placed_ago=timedelta(hours=3),
    ),
    OrderSpec(
        number="ORD-1005",
        customer=BEN,
        status="cancelled",
        items=(("NW-BEAN-DECAF-PERU-340", 2),),
        placed_ago=days(14),
    ),
)

NORTHWIND = TenantDemo(
    slug="northwind-coffee",
    name="Northwind Coffee",
    tier="starter",
    memberships=(("northwind", "owner"),),
    products=PRODUCTS,
    customers=CUSTOMERS,
    orders=ORDERS,
    refund_review_threshold=D("100.00"),
    return_window_days=30,
    article_owner="northwind",
    escalation_policies=(
        EscalationPolicySpec(
            "Everything", review_minutes=720, queue="default", first_response_minutes=60, resolution_minutes=2880
        ),
    ),
    agent_profiles=(
        AgentProfileSpec(
            name="Assistant",
            role="specialist",
            description="Answers every Northwind Coffee conversation.",
            instructions=(
                "You help shoppers of Northwind Coffee, a small roaster in Portland, Oregon. Be warm and brief.\n"
                "Look up orders, stock and brewing advice with your tools and the knowledge base; never guess.\n"
                "Coffee is roasted to order on Mondays and Thursdays and ships by USPS Priority Mail.\n"
                "Refunds above $100 wait for the owner's review. Escalate anything you cannot answer."
            ),
            allowed_tools=(
                "lookup_order",
                "list_orders",
                "check_inventory",
                "recommend_products",
                "cancel_order",
                "process_refund",
                "search_knowledge_base",
                "escalate_to_human",
            ),
        ),
    ),
    widget_keys=(
        WidgetKeySpec(
            name="Demo storefront",
            public_key="pk_demo_northwind",
            secret="demo-widget-secret-northwind-not-for-production",
            allowed_origins=("http://localhost:8000", "http://127.0.0.1:8000"),
        ),
    ),
    conversations=(
        ConversationSpec(
            customer=ALEX,
            channel="web",
            subject="Grind size for the V60",
            status="resolved",
            handled_by="ai",
            messages=(
                MessageSpec("customer", "What grind should I use for the Yirgacheffe in my new V60?", days(4)),
                MessageSpec(
                    "ai",
                    "Start medium-fine, like table salt: 15 g of coffee to 250 g of water at 94 °C, about 3 minutes "
                    "in total. If it tastes sour, grind a little finer; if bitter, a little coarser.",
                    days(4) - timedelta(minutes=1),
                ),
            ),
        ),
    ),
)
