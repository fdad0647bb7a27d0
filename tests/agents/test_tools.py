"""Every tool through the one public door, `execute`: typed arguments, authorization, isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.tools import ToolContext, execute, openai_tool_specs
from knowledge import services as kb
from knowledge.models import Article
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tenant):
    alex = f.CustomerFactory(tenant=tenant, email="alex@example.com")
    sam = f.CustomerFactory(tenant=tenant, email="sam@example.com")
    older = f.OrderFactory(
        tenant=tenant, customer=alex, number="ORD-1001", placed_at=timezone.now() - timedelta(days=9)
    )
    newer = f.OrderItemFactory(tenant=tenant, order__customer=alex, order__number="ORD-1002", sku="CPU-7950X",
                               name="AMD Ryzen 9 7950X").order  # fmt: skip
    f.OrderFactory(tenant=tenant, customer=sam, number="ORD-2000")
    gpu = f.ProductFactory(tenant=tenant, sku="GPU-4090", name="ASUS TUF GeForce RTX 4090")
    f.InventoryFactory(tenant=tenant, product=gpu, warehouse="east", quantity=3)
    f.InventoryFactory(tenant=tenant, product=gpu, warehouse="west", quantity=0)
    return {"alex": alex, "sam": sam, "older": older, "newer": newer}


def visitor(tenant, typed: str) -> ToolContext:
    """An anonymous widget visitor's context, in a conversation where they typed ``typed``."""
    message = f.MessageFactory(tenant=tenant, body=typed, conversation__customer__email="",
                               conversation__customer__phone="")  # fmt: skip
    return ToolContext(tenant=tenant, customer=message.conversation.customer, conversation=message.conversation)


def as_alex(tenant, shop, **kwargs):
    return ToolContext(tenant=tenant, customer=shop["alex"], verified=True, **kwargs)


class TestLookupOrder:
    def test_a_verified_shopper_sees_their_order(self, tenant, shop):
        result = execute(as_alex(tenant, shop), "lookup_order", '{"order_number": " ord-1002 "}')
        assert result.status == "ok"
        assert result.data["order"]["number"] == "ORD-1002"
        assert result.data["order"]["items"][0]["name"] == "AMD Ryzen 9 7950X"

    def test_another_customers_order_is_refused_without_a_detail(self, tenant, shop):
        result = execute(as_alex(tenant, shop), "lookup_order", {"order_number": "ORD-2000"})
        assert result.status == "denied" and "order" not in result.data

    def test_an_anonymous_visitor_proves_with_the_orders_email_they_typed(self, tenant, shop):
        context = visitor(tenant, "it's ord 1002, and my email is ALEX@example.com (or sam@example.com?)")
        assert execute(context, "lookup_order", {"order_number": "ORD-1002"}).status == "needs_verification"
        wrong = execute(context, "lookup_order", {"order_number": "ORD-1002", "email": "sam@example.com"})
        assert wrong.status == "denied" and "order" not in wrong.data and wrong.proof is None
        right = execute(context, "lookup_order", {"order_number": "ORD-1002", "email": "ALEX@example.com"})
        assert right.status == "ok" and right.proof == {
            "customer_id": shop["alex"].pk, "order_number": "ORD-1002", "email": "alex@example.com"
        }  # fmt: skip
        # A read tool changes nothing: the engine hands the conversation over (conversations.identity).
        assert not context.verified and context.customer != shop["alex"]

    @pytest.mark.parametrize(
        "typed",
        [
            "where is my order?",  # neither
            "where is ORD-1002?",  # the number only: the email is the model's
            "my email is alex@example.com",  # the email only: the number is the model's
            "order 10023, alex@example.com.au",  # neither as such: a longer number, another address
        ],
    )
    def test_an_email_only_the_model_names_proves_nothing(self, tenant, shop, typed):
        context = visitor(tenant, typed)
        result = execute(context, "lookup_order", {"order_number": "ORD-1002", "email": "alex@example.com"})
        assert result.status == "needs_verification" and "order" not in result.data and result.proof is None

    def test_a_blank_email_never_matches_a_customer_without_one(self, tenant, shop):
        texter = f.CustomerFactory(tenant=tenant, email="", phone="+15550001234")
        f.OrderFactory(tenant=tenant, customer=texter, number="ORD-3000")
        for blank in (" ", "", "not-an-email"):
            context = visitor(tenant, f"ORD-3000 {blank}")
            result = execute(context, "lookup_order", {"order_number": "ORD-3000", "email": blank})
            assert result.status == "denied" and "order" not in result.data and result.proof is None

    def test_a_visitor_cannot_tell_a_missing_order_from_a_wrong_email(self, tenant, shop):
        context = visitor(tenant, "ORD-9999 or ORD-1002? a@b.co")
        missing = execute(context, "lookup_order", {"order_number": "ORD-9999", "email": "a@b.co"})
        wrong = execute(context, "lookup_order", {"order_number": "ORD-1002", "email": "a@b.co"})
        assert missing.status == wrong.status == "denied" and missing.data == wrong.data

    def test_another_tenants_order_does_not_exist_here(self, tenant, other_tenant, shop):
        f.OrderFactory(tenant=other_tenant, number="ORD-7777")
        result = execute(as_alex(tenant, shop), "lookup_order", {"order_number": "ORD-7777"})
        assert result.status == "error" and "No order ORD-7777" in result.data["message"]


def test_list_orders_needs_verification_and_shows_only_the_shoppers_own(tenant, shop):
    assert execute(ToolContext(tenant=tenant), "list_orders", {}).status == "needs_verification"
    result = execute(as_alex(tenant, shop), "list_orders", {"limit": 5})
    assert [o["number"] for o in result.data["orders"]] == ["ORD-1002", "ORD-1001"]


class TestInventory:
    @pytest.mark.parametrize("query", ["GPU-4090", "gpu-4090", "rtx 4090", "4090 tuf"])
    def test_by_sku_or_name(self, tenant, shop, query):
        result = execute(ToolContext(tenant=tenant), "check_inventory", {"query": query})
        product = result.data["products"][0]
        assert (product["sku"], product["in_stock"], product["warehouses"]) == ("GPU-4090", 3, {"east": 3, "west": 0})

    def test_unknown_and_other_tenants_products_are_not_found(self, tenant, other_tenant, shop):
        f.ProductFactory(tenant=other_tenant, sku="BEANS-1", name="Yirgacheffe beans")
        assert execute(ToolContext(tenant=tenant), "check_inventory", {"query": "Yirgacheffe"}).status == "error"
        assert execute(ToolContext(tenant=tenant), "check_inventory", {"query": "BEANS-1"}).status == "error"


def test_knowledge_answers_name_the_article_and_stay_in_the_tenant(tenant, other_tenant):
    for owner, body in ((tenant, "Refunds reach PayPal in 1-3 business days."), (other_tenant, "No refunds ever.")):
        article = kb.article_save(article=Article(tenant=owner, title="Refunds", body=body, status="published"))
        kb.chunks_embed(article_id=article.pk)
    result = execute(ToolContext(tenant=tenant), "search_knowledge_base", {"query": "how long for a paypal refund"})
    assert result.data["article"]["title"] == "Refunds"
    assert "1-3 business days" in result.data["answer"]
    assert all("No refunds ever" not in p["text"] for p in result.data["passages"])


class TestBadCalls:
    @pytest.mark.parametrize(
        ("name", "arguments", "expected"),
        [
            ("drop_tables", {}, "Unknown tool 'drop_tables'"),
            ("lookup_order", "{not json", "not valid JSON"),
            ("lookup_order", "[1, 2]", "must be a JSON object"),
            ("lookup_order", {"order_number": 1002}, "Invalid arguments"),
            ("lookup_order", {}, "Invalid arguments"),
            ("list_orders", {"limit": 500}, "Invalid arguments"),
        ],
    )
    def test_each_becomes_an_error_result_the_model_can_read(self, tenant, name, arguments, expected):
        result = execute(ToolContext(tenant=tenant), name, arguments)
        assert result.status == "error"
        assert expected in result.data["message"]

    def test_a_tool_the_profile_does_not_allow_is_denied(self, tenant, shop):
        profile = f.AgentProfileFactory(tenant=tenant, allowed_tools=["search_knowledge_base"])
        result = execute(as_alex(tenant, shop, profile=profile), "lookup_order", {"order_number": "ORD-1002"})
        assert result.status == "denied"


def test_tool_specs_are_valid_openai_function_schemas():
    specs = {spec["function"]["name"]: spec for spec in openai_tool_specs()}
    assert {"lookup_order", "list_orders", "check_inventory", "search_knowledge_base"} <= set(specs)
    schema = specs["lookup_order"]["function"]["parameters"]
    assert schema["type"] == "object" and schema["required"] == ["order_number"]
    assert [s["function"]["name"] for s in openai_tool_specs(["check_inventory", "nope"])] == ["check_inventory"]
