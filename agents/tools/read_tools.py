"""Tools that only read: orders (the shopper's own), stock, the knowledge base."""

import re
from datetime import timedelta

from django.utils import timezone
from pydantic import Field

from agents.models import ToolCall
from agents.tools.base import Tool, ToolArguments, ToolContext, ToolResult
from conversations import identity
from conversations.models import Customer
from knowledge.answers import grounded_answer
from knowledge.search import search
from orders import selectors as order_selectors
from orders.models import Order, Product
from supportdesk.errors import ApplicationError, NotFound

NO_MATCH = "I couldn't find an order with that number and email."
ORDER_NOT_VISIBLE = "I can only share orders placed with the email or phone you are verified with."
OTHER_EMAIL = " If you placed it with another email address, tell me that address and I'll check."
NOT_TYPED = "Ask the shopper for the order number and the email used for it: only what they type here proves it."


def order_summary(order: Order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "placed_at": order.placed_at.date().isoformat(),
        "total": str(order.total),
        "currency": order.currency,
        "items": [
            {"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price": str(i.unit_price)}
            for i in order.items.all()
        ],
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipped_at": order.shipped_at.date().isoformat() if order.shipped_at else None,
        "delivered_at": order.delivered_at.date().isoformat() if order.delivered_at else None,
    }


class LookupOrderArguments(ToolArguments):
    order_number: str = Field(min_length=3, max_length=32, description="e.g. ORD-1002")
    email: str | None = Field(default=None, max_length=254, description="Only for a shopper not yet verified.")


MAX_FAILED_PROOFS = 5  # per conversation: order number and email pairs that did not match
TOO_MANY = (
    "For your security I can't check more order numbers and emails in this chat. "
    "A member of our team will help you here."
)


def _misses():
    """Order number and email pairs the shopper typed that did not match (``NO_MATCH``): the
    model's own arguments, a malformed email or an order the shopper may not see are no guess."""
    return ToolCall.objects.filter(tool="lookup_order", status="denied", result__code="no_match")


def _no_match() -> ToolResult:
    return ToolResult("denied", {"message": NO_MATCH, "code": "no_match"})


def _failed_proofs(context: ToolContext) -> int:
    if context.conversation is None:
        return 0
    return _misses().filter(tenant=context.tenant, run__conversation=context.conversation).count()


def _guessed_elsewhere(context: ToolContext, order_number: str, email: str) -> bool:
    """Five pairs that did not match for this order number, or for this email, in the store's
    last day, in any conversation: starting a new chat does not buy five more guesses."""
    since = timezone.now() - timedelta(days=1)
    denied = _misses().filter(tenant=context.tenant, created_at__gte=since)
    # Matched however the argument was written (spaces, case): by the order's digits, the email's text.
    digits = re.sub(r"\D", "", order_number)
    by_order = denied.filter(arguments__order_number__iregex=rf"(^|\D){digits}(\D|$)") if digits else denied.none()
    email = email.strip()
    by_email = denied.filter(arguments__email__iregex=rf"^\s*{re.escape(email)}\s*$") if email else denied.none()
    return any(misses[:MAX_FAILED_PROOFS].count() >= MAX_FAILED_PROOFS for misses in (by_order, by_email))


class LookupOrder(Tool):
    name = "lookup_order"
    description = (
        "Status, items, tracking and dates of one of the shopper's orders. For a shopper not yet verified, pass "
        "the order number and the email exactly as the shopper typed them in this conversation."
    )
    Arguments = LookupOrderArguments

    def run(self, context: ToolContext, arguments: LookupOrderArguments) -> ToolResult:
        email = (arguments.email or "").strip().lower()
        if arguments.email is not None and not identity.is_email(email):
            # A blank or malformed email proves nothing (and must never match a customer whose
            # email on file is empty).
            return ToolResult(
                "denied", {"message": "That doesn't look like an email address. Which email is on the order?"}
            )
        if email and not self._typed(context, arguments.order_number, email):
            # The model's own idea of an email (another customer's, say) proves nothing, and is
            # not a guess of the shopper's either: ask them.
            return ToolResult("needs_verification", {"message": NOT_TYPED})
        if email and (
            _failed_proofs(context) >= MAX_FAILED_PROOFS
            or _guessed_elsewhere(context, arguments.order_number, arguments.email)
        ):
            # The shopper guessing order numbers and emails until one fits: a person takes it from here.
            return ToolResult("denied", {"message": TOO_MANY, "code": "too_many_attempts"})
        try:
            order = order_selectors.order_get_by_number(tenant=context.tenant, number=arguments.order_number)
        except NotFound:
            if email and not context.verified:
                # One answer for "no such order" and "not your email": order numbers are
                # sequential, and a visitor must not learn which exist.
                return _no_match()
            return ToolResult("error", {"message": f"No order {arguments.order_number.strip().upper()} was found."})
        if context.verified and context.customer is not None and order.customer_id == context.customer.pk:
            return ToolResult("ok", {"order": order_summary(order)})
        if context.verified and context.customer is not None and not email:
            # Perhaps theirs under another address (a text from a phone not on file): the
            # order's email is the proof, as for a visitor.
            return ToolResult("denied", {"message": ORDER_NOT_VISIBLE + OTHER_EMAIL})
        if not email:
            return ToolResult("needs_verification", {"message": "Ask for the email address used for the order."})
        try:
            identity.customer_proof_check(
                conversation=context.conversation, customer=order.customer, order_number=order.number, email=email
            )
        except ApplicationError:
            return _no_match()
        if not identity.customer_switch_check(conversation=context.conversation, customer=order.customer):
            # A verified customer asking about another's order with its email: shown, and no more.
            return ToolResult("ok", {"order": order_summary(order), "not_theirs": True})
        proof = {"customer_id": order.customer_id, "order_number": order.number, "email": email}
        return ToolResult("ok", {"order": order_summary(order)}, proof=proof)

    @staticmethod
    def _typed(context: ToolContext, order_number: str, email: str) -> bool:
        conversation = context.conversation
        return conversation is not None and identity.shopper_typed(
            conversation=conversation, order_number=order_number, email=email
        )


class ListOrdersArguments(ToolArguments):
    limit: int = Field(default=5, ge=1, le=20)


class ListOrders(Tool):
    name = "list_orders"
    description = "The verified shopper's most recent orders, newest first."
    Arguments = ListOrdersArguments

    def run(self, context: ToolContext, arguments: ListOrdersArguments) -> ToolResult:
        if not (context.verified and isinstance(context.customer, Customer)):
            return ToolResult("needs_verification", {"message": "Ask for an order number and the email used for it."})
        orders = order_selectors.order_list_for_customer(tenant=context.tenant, customer_id=context.customer.pk)
        return ToolResult("ok", {"orders": [order_summary(o) for o in orders[: arguments.limit]]})


class CheckInventoryArguments(ToolArguments):
    query: str = Field(min_length=1, max_length=200, description="A SKU or a product name, e.g. RTX 4090")


class CheckInventory(Tool):
    name = "check_inventory"
    description = "Stock per warehouse and price of a product, by SKU or by (fuzzy) name."
    Arguments = CheckInventoryArguments

    def run(self, context: ToolContext, arguments: CheckInventoryArguments) -> ToolResult:
        from django.db.models import Q

        query = arguments.query.strip()
        products = order_selectors.product_list(tenant=context.tenant).prefetch_related("stock")
        matches = list(products.filter(sku__iexact=query)[:1])
        if not matches:
            words = [w for w in query.replace("-", " ").split() if len(w) > 1]
            condition = Q()
            for word in words:
                condition &= Q(name__icontains=word) | Q(sku__icontains=word)
            matches = list(products.filter(condition)[:5]) if words else []
        if not matches:
            return ToolResult("error", {"message": "No product matches that name or SKU."})
        return ToolResult("ok", {"products": [self._stock(p) for p in matches]})

    @staticmethod
    def _stock(product: Product) -> dict:
        stock = {row.warehouse: row.quantity for row in product.stock.all()}
        return {"sku": product.sku, "name": product.name, "price": str(product.price),
                "in_stock": sum(stock.values()), "warehouses": stock}  # fmt: skip


class SearchKnowledgeBaseArguments(ToolArguments):
    query: str = Field(min_length=1, max_length=500)


class SearchKnowledgeBase(Tool):
    name = "search_knowledge_base"
    description = "The store's help articles: returns, refunds, shipping, warranty, compatibility and more."
    Arguments = SearchKnowledgeBaseArguments

    def run(self, context: ToolContext, arguments: SearchKnowledgeBaseArguments) -> ToolResult:
        answer = grounded_answer(tenant=context.tenant, question=arguments.query)
        passages = answer.passages if answer else search(tenant=context.tenant, query=arguments.query, k=3)
        return ToolResult(
            "ok",
            {
                "answer": answer.text if answer else None,
                "article": {"title": answer.title, "link": answer.link} if answer else None,
                "passages": [
                    {"title": p.title, "heading": p.heading, "text": p.text, "link": p.link} for p in passages
                ],
            },
        )
