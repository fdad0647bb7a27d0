"""Turn demo specs into rows. Idempotent: rows are found by their natural keys and never changed.

Every row is fetched or created with ``get_or_create`` on its natural key (tenant slug, SKU,
order number, article slug, username, ...). An existing row is left exactly as it is, so a
second run writes nothing and no ``updated_at`` moves. Rows without a natural key of their own
(order items, messages, tickets) are created only together with their parent.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction

from agents.models import AgentProfile, Intent
from agents.services import intents_load
from conversations.models import CannedReply, Conversation, Customer, Message, Ticket
from conversations.sort_keys import sort_keys_rebuild
from hitl.assignment import queue_member_save
from hitl.models import (
    BusinessCalendar,
    BusinessPeriod,
    EscalationPolicy,
    Holiday,
    Queue,
    QueueMember,
    ReviewDecision,
    ReviewRequest,
    SlaClock,
    SlaTarget,
    StaffStatus,
)
from hitl.services import review_decide
from hitl.sla import sla_evaluate
from knowledge.models import Article
from knowledge.services import article_save
from orders.models import Inventory, Order, OrderItem, Product, Refund, ReturnLabel
from orders.services import refund_submit
from supportdesk.demo import DEMO_PASSWORD, DEMO_TENANTS, DEMO_USERS
from supportdesk.demo.spec import ConversationSpec, CustomerSpec, OrderSpec, ProductSpec, TenantDemo, UserSpec
from tenants.models import Membership, Tenant, WidgetKey

CENT = Decimal("0.01")
INTENTS_DIR = Path(__file__).resolve().parent / "intents"


class _Seeder:
    """Counts what it creates, per model, so the command can say what changed."""

    def __init__(self, *, anchor: datetime, now: datetime | None = None):
        self.anchor = anchor
        # Review requests are dated from the minute itself, not the hour: a request asked "26
        # minutes ago" is on its SLA clock's track whatever the minute the demo is seeded.
        self.now = now or anchor
        self.created: Counter[type[models.Model]] = Counter()

    def get_or_create(self, model: type[models.Model], *, defaults: dict | None = None, **lookup):
        obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
        if created:
            self.created[model] += 1
        return obj, created

    def calendar(self, tenant: Tenant, spec) -> BusinessCalendar:
        calendar, created = self.get_or_create(BusinessCalendar, tenant=tenant, name=spec.name,
                                               defaults={"timezone": spec.timezone})  # fmt: skip
        if created:
            for weekday, opens, closes in spec.periods:
                self.create(BusinessPeriod, tenant=tenant, calendar=calendar, weekday=weekday,
                            opens=time.fromisoformat(opens), closes=time.fromisoformat(closes))  # fmt: skip
            for day, name in spec.holidays:
                self.create(Holiday, tenant=tenant, calendar=calendar, date=date.fromisoformat(day), name=name)
        return calendar

    def create(self, model: type[models.Model], **values):
        self.created[model] += 1
        return model.objects.create(**values)

    # ------------------------------------------------------------------ staff

    def user(self, spec: UserSpec) -> AbstractUser:
        user, created = self.get_or_create(
            get_user_model(),
            username=spec.username,
            defaults={
                "email": spec.email,
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "is_staff": spec.is_staff or spec.is_superuser,
                "is_superuser": spec.is_superuser,
            },
        )
        if created:  # an existing account keeps the password its owner chose
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    # ------------------------------------------------------------------ a tenant

    def tenant(self, spec: TenantDemo, *, users: dict[str, AbstractUser]) -> Tenant:
        tenant, _ = self.get_or_create(
            Tenant,
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "tier": spec.tier,
                "currency": spec.currency,
                "refund_review_threshold": spec.refund_review_threshold,
                "return_window_days": spec.return_window_days,
            },
        )
        for username, role in spec.memberships:
            self.get_or_create(Membership, tenant=tenant, user=users[username], defaults={"role": role})
        for key in spec.widget_keys:
            self.get_or_create(
                WidgetKey,
                tenant=tenant,
                public_key=key.public_key,
                defaults={"name": key.name, "secret": key.secret, "allowed_origins": list(key.allowed_origins)},
            )

        products = {product.sku: self.product(tenant, product) for product in spec.products}
        customers = {customer.key: self.customer(tenant, customer) for customer in spec.customers}
        addresses = {customer.key: customer for customer in spec.customers}
        for order in spec.orders:
            self.order(
                tenant,
                order,
                customer=customers[order.customer],
                address=addresses[order.customer],
                products=products,
                tax_rates=spec.tax_rates,
                staff=users,
            )

        owner = users.get(spec.article_owner)
        existing = set(Article.objects.for_tenant(tenant).values_list("slug", flat=True))
        for article in spec.articles:
            if article.slug in existing:
                continue
            # Through the service, like any article: a first version, chunks, embeddings queued.
            article_save(
                article=Article(
                    tenant=tenant,
                    slug=article.slug,
                    title=article.title,
                    body=article.body,
                    status=article.status,
                    tags=list(article.tags),
                    owner=owner,
                    review_by=self.anchor.date() + timedelta(days=article.review_in_days),
                ),
                note="demo data",
            )
            self.created[Article] += 1

        calendar = self.calendar(tenant, spec.calendar) if spec.calendar else None
        for policy in spec.escalation_policies:
            row, created = self.get_or_create(
                EscalationPolicy, tenant=tenant, category=policy.category, priority=policy.priority,
                channel=policy.channel, customer_tag=policy.customer_tag,
                defaults={"name": policy.name, "queue": policy.queue, "calendar": calendar},
            )  # fmt: skip
            if not created:
                continue
            minutes = {
                "review": policy.review_minutes, "first_response": policy.first_response_minutes,
                "next_response": policy.next_response_minutes, "resolution": policy.resolution_minutes,
            }  # fmt: skip
            for metric, value in minutes.items():
                if value:
                    self.create(SlaTarget, tenant=tenant, policy=row, metric=metric, minutes=value,
                                business_hours=policy.business_hours and metric != "review")  # fmt: skip
        for profile in spec.agent_profiles:
            self.get_or_create(
                AgentProfile,
                tenant=tenant,
                name=profile.name,
                defaults={
                    "role": profile.role,
                    "description": profile.description,
                    "instructions": profile.instructions,
                    "allowed_tools": list(profile.allowed_tools),
                    "max_steps": profile.max_steps,
                },
            )

        self.intents(tenant)

        conversations = {}
        for conversation in spec.conversations:
            conversations[conversation.subject] = self.conversation(
                tenant, conversation, customer=customers[conversation.customer], staff=users
            )
        for queue in spec.queues:
            self.queue(tenant, queue, staff=users)
        for name, body in spec.canned_replies:
            self.get_or_create(CannedReply, tenant=tenant, name=name, defaults={"body": body})
        for review in spec.reviews:
            self.review(tenant, review, conversation=conversations.get(review.conversation), staff=users)
        if spec.reviews:
            sla_evaluate()  # the queue's breaches, as the beat task would find them
        return tenant

    def queue(self, tenant: Tenant, spec, *, staff: dict[str, AbstractUser]) -> None:
        queue, created = self.get_or_create(Queue, tenant=tenant, name=spec.name, defaults={"strategy": spec.strategy})
        if not created:
            return
        queue.owners.set([staff[name] for name in spec.owners])
        for username, capacity in spec.members:
            queue_member_save(member=QueueMember(tenant=tenant, queue=queue, user=staff[username], capacity=capacity))
            self.created[QueueMember] += 1
            StaffStatus.objects.update_or_create(tenant=tenant, user=staff[username],
                                                 defaults={"status": StaffStatus.Availability.ONLINE})  # fmt: skip

    def review(self, tenant: Tenant, spec, *, conversation, staff: dict[str, AbstractUser]) -> None:
        """A refund the agent sent for review at ``requested_ago``, through the services (the
        review request, its SLA clock, the decision and its messages), then dated back."""
        key = f"demo-review-{spec.order}"
        if Refund.objects.filter(tenant=tenant, idempotency_key=key).exists():
            return
        order = Order.objects.get(tenant=tenant, number=spec.order)
        asked = self.now - spec.requested_ago
        refund = refund_submit(tenant=tenant, order=order, amount=spec.amount, reason=spec.reason, requested_by="ai",
                               idempotency_key=key, conversation=conversation)  # fmt: skip
        self.created[Refund] += 1
        request = ReviewRequest.objects.get(tenant=tenant, payload__refund_id=refund.pk)
        self.created[ReviewRequest] += 1
        Refund.objects.filter(pk=refund.pk).update(created_at=asked)
        ReviewRequest.objects.filter(pk=request.pk).update(created_at=asked)
        for clock in SlaClock.objects.filter(review=request):
            shift = asked - clock.started_at
            SlaClock.objects.filter(pk=clock.pk).update(started_at=asked, due_at=clock.due_at + shift,
                                                        warn_at=clock.warn_at + shift)  # fmt: skip
            ReviewRequest.objects.filter(pk=request.pk).update(due_at=clock.due_at + shift)
        if not spec.decision:
            return
        request.refresh_from_db()
        edits = {"amount": str(spec.edited_amount)} if spec.edited_amount is not None else None
        record = review_decide(review=request, decision=spec.decision, reviewer=staff["reviewer"], edits=edits,
                               reason=spec.reject_reason, note=spec.note)  # fmt: skip
        decided = asked + spec.decided_after
        ReviewDecision.objects.filter(pk=record.pk).update(created_at=decided)
        ReviewRequest.objects.filter(pk=request.pk).update(decided_at=decided)
        SlaClock.objects.filter(review=request).update(met_at=decided)
        Refund.objects.filter(pk=refund.pk, processed_at__isnull=False).update(processed_at=decided)
        Message.objects.filter(metadata__review_id=request.pk).update(created_at=decided)

    def intents(self, tenant: Tenant) -> None:
        """The store's triage categories, from supportdesk/demo/intents/<slug>.json, once."""
        path = INTENTS_DIR / f"{tenant.slug}.json"
        if not path.exists() or Intent.objects.for_tenant(tenant).exists():
            return
        loaded = intents_load(tenant=tenant, items=json.loads(path.read_text(encoding="utf-8")))
        self.created[Intent] += len(loaded.created)

    def product(self, tenant: Tenant, spec: ProductSpec) -> Product:
        product, _ = self.get_or_create(
            Product,
            tenant=tenant,
            sku=spec.sku,
            defaults={
                "name": spec.name,
                "category": spec.category,
                "description": spec.description,
                "price": spec.price,
                "attributes": dict(spec.attributes),
            },
        )
        for warehouse, quantity in spec.stock.items():
            self.get_or_create(
                Inventory,
                product=product,
                warehouse=warehouse,
                defaults={"tenant": tenant, "quantity": quantity, "low_stock_threshold": spec.low_stock_threshold},
            )
        return product

    def customer(self, tenant: Tenant, spec: CustomerSpec) -> Customer:
        # Found the way the channels find a shopper: email (any case) first, else phone.
        lookup = {"email__iexact": spec.email} if spec.email else {"phone": spec.phone}
        customer, _ = self.get_or_create(
            Customer, tenant=tenant, **lookup, defaults={"name": spec.name, "email": spec.email, "phone": spec.phone}
        )
        return customer

    def order(
        self,
        tenant: Tenant,
        spec: OrderSpec,
        *,
        customer: Customer,
        address: CustomerSpec,
        products: dict[str, Product],
        tax_rates: Mapping[str, Decimal],
        staff: dict[str, AbstractUser],
    ) -> Order:
        lines = [(products[sku], quantity) for sku, quantity in spec.items]
        subtotal = sum((product.price * quantity for product, quantity in lines), Decimal("0.00"))
        region = address.address["region"]
        tax = ((subtotal - spec.discount) * tax_rates.get(region, Decimal("0"))).quantize(CENT, ROUND_HALF_UP)
        placed_at = self.anchor - spec.placed_ago
        shipped_at = placed_at + spec.shipped_after if spec.shipped_after is not None else None
        delivered_at = shipped_at + spec.delivered_after if shipped_at and spec.delivered_after is not None else None
        order, created = self.get_or_create(
            Order,
            tenant=tenant,
            number=spec.number,
            defaults={
                "customer": customer,
                "status": spec.status,
                "currency": tenant.currency,
                "subtotal": subtotal,
                "discount": spec.discount,
                "shipping_cost": spec.shipping_cost,
                "tax": tax,
                "total": subtotal - spec.discount + spec.shipping_cost + tax,
                "carrier": spec.carrier,
                "tracking_number": spec.tracking_number,
                "shipping_address": {"name": address.name, **address.address},
                "placed_at": placed_at,
                "shipped_at": shipped_at,
                "delivered_at": delivered_at,
            },
        )
        if not created:
            return order
        for product, quantity in lines:
            self.create(
                OrderItem,
                tenant=tenant,
                order=order,
                product=product,
                sku=product.sku,
                name=product.name,
                quantity=quantity,
                unit_price=product.price,
            )
        if spec.return_tracking_number:
            self.get_or_create(
                ReturnLabel,
                tenant=tenant,
                tracking_number=spec.return_tracking_number,
                defaults={"order": order, "carrier": spec.return_carrier},
            )
        if spec.refund is not None:
            self.get_or_create(
                Refund,
                tenant=tenant,
                idempotency_key=f"demo-{spec.number}",
                defaults={
                    "order": order,
                    "amount": spec.refund.amount if spec.refund.amount is not None else order.total,
                    "reason": spec.refund.reason,
                    "status": Refund.Status.PROCESSED,
                    "requested_by": spec.refund.requested_by,
                    "approved_by": staff.get(spec.refund.approved_by),
                    "processed_at": placed_at + spec.refund.processed_after,
                },
            )
        return order

    def conversation(
        self, tenant: Tenant, spec: ConversationSpec, *, customer: Customer, staff: dict[str, AbstractUser]
    ) -> Conversation:
        times = [self.anchor - message.sent_ago for message in spec.messages]
        conversation, created = self.get_or_create(
            Conversation,
            tenant=tenant,
            customer=customer,
            subject=spec.subject,
            defaults={
                "channel": spec.channel,
                "status": spec.status,
                "handled_by": spec.handled_by,
                "assignee": staff.get(spec.assignee),
                "last_message_at": max(times),
            },
        )
        if not created:
            return conversation
        # created_at is auto_now_add: backdate the new rows once, so the timeline reads as it happened.
        Conversation.objects.filter(pk=conversation.pk).update(created_at=min(times))
        for index, (message, sent_at) in enumerate(zip(spec.messages, times, strict=True), start=1):
            row = self.create(
                Message,
                tenant=tenant,
                conversation=conversation,
                direction=Message.Direction.INBOUND
                if message.sender_kind == Message.SenderKind.CUSTOMER
                else Message.Direction.OUTBOUND,
                channel=spec.channel,
                sender_kind=message.sender_kind,
                sender_user=staff.get(message.sender_user),
                body=message.body,
                provider_message_id=f"demo-{conversation.pk}-{index}",
            )
            Message.objects.filter(pk=row.pk).update(created_at=sent_at)
        if spec.ticket is not None:
            ticket_spec = spec.ticket
            opened_at = min(times)
            ticket = self.create(
                Ticket,
                tenant=tenant,
                customer=customer,
                conversation=conversation,
                subject=ticket_spec.subject,
                category=ticket_spec.category,
                priority=ticket_spec.priority,
                severity=ticket_spec.severity,
                status=ticket_spec.status,
                order_number=ticket_spec.order_number,
                assignee=staff.get(ticket_spec.assignee),
                sla_due_at=opened_at + timedelta(minutes=ticket_spec.sla_minutes) if ticket_spec.sla_minutes else None,
                first_response_at=next(
                    (at for m, at in zip(spec.messages, times, strict=True) if m.sender_kind != "customer"), None
                ),
            )
            Ticket.objects.filter(pk=ticket.pk).update(created_at=opened_at)
        return conversation


@transaction.atomic
def demo_seed(*, now: datetime, only: tuple[str, ...] = ()) -> Counter[type[models.Model]]:
    """Create whatever part of the demo is missing; return how many rows of each kind were created.

    ``now`` is the anchor every "days ago" in the data is measured from, taken once per run.
    ``only`` limits it to these tenant slugs (tests load one store).
    """
    seeder = _Seeder(anchor=now.replace(minute=0, second=0, microsecond=0), now=now)
    users = {spec.username: seeder.user(spec) for spec in DEMO_USERS}
    seeded = [seeder.tenant(tenant, users=users).pk for tenant in DEMO_TENANTS if not only or tenant.slug in only]
    sort_keys_rebuild(tenant_ids=seeded)  # the backdated messages and tickets were written around the services
    return seeder.created


def demo_origins_follow(*, host: str, port: str) -> list[str]:
    """The demo stores' widget keys allow the origin the demo page is served from now (``make
    run`` on another HOST or PORT, this run or a later one): each key keeps what it allowed and
    gains this address. Returns the origins added."""
    hosts = {"localhost", "127.0.0.1"} if host in ("0.0.0.0", "127.0.0.1", "localhost", "::") else {host}
    wanted = [f"http://{name}:{port}" for name in sorted(hosts)]
    public_keys = [key.public_key for spec in DEMO_TENANTS for key in spec.widget_keys]
    added = []
    for key in WidgetKey.objects.filter(public_key__in=public_keys):
        missing = [origin for origin in wanted if origin not in key.allowed_origins]
        if missing:
            key.allowed_origins = [*key.allowed_origins, *missing]
            key.save(update_fields=["allowed_origins"])
            added += missing
    return added
