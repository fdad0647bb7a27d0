"""The review console: the queue of pending requests, each decided through hitl.services (the
admin never saves a decision, a refund or an order status itself), and the decision history."""

import csv
from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from conversations.models import Message
from hitl import services
from hitl.assignment import queue_member_remove, queue_member_save, staff_status_set
from hitl.models import (
    BusinessCalendar,
    BusinessPeriod,
    EscalationPolicy,
    Holiday,
    OutcomeMessage,
    Queue,
    QueueMember,
    ReviewDecision,
    ReviewRequest,
    SlaBreach,
    SlaClock,
    SlaTarget,
    StaffStatus,
    TicketSla,
)
from hitl.notify import PLACEHOLDERS, placeholder_errors
from hitl.report import support_report
from hitl.selectors import review_scope, with_clock_warning
from hitl.sla import sla_state, ticket_policy_set
from supportdesk.errors import ApplicationError
from tenants.admin_base import MANAGERS, ReadOnlyAdmin, SameTenantForm, TenantScopedAdmin, TenantScopedInline
from tenants.models import AuditEvent, Membership, Tenant
from tenants.services import audit_record

DECIDER_ROLES = MANAGERS | {Membership.Role.REVIEWER}
EXCERPT_MESSAGES = 6


def review_sla_state(review: ReviewRequest, now=None) -> str:
    """A pending request's badge: by its review clock (``clock_warn_at``, which the admin's
    queryset reads with it), as the minute check warns."""
    if review.status != ReviewRequest.Status.PENDING:
        return ""
    return sla_state(due_at=review.due_at, warn_at=getattr(review, "clock_warn_at", None), now=now)


BADGES = {"on_track": ("On track", "#1e7e34"), "due_soon": ("Due soon", "#b35900"), "breached": ("Breached", "#b00020")}


class SlaFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in BADGES.items()]

    def queryset(self, request, queryset):
        now = timezone.now()
        pending = queryset.filter(status=ReviewRequest.Status.PENDING)
        if self.value() == "breached":
            return pending.filter(due_at__lte=now)
        warned = Q(clock_warn_at__lte=now)
        if self.value() == "due_soon":
            return pending.filter(warned, due_at__gt=now)
        if self.value() == "on_track":
            return pending.filter(~warned | Q(clock_warn_at__isnull=True), due_at__gt=now)
        return queryset


class QueueStatusFilter(admin.SimpleListFilter):
    """Pending first: the queue is what a reviewer opens the page for."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*ReviewRequest.Status.choices, ("all", "All")]

    def choices(self, changelist):
        value = self.value() or ReviewRequest.Status.PENDING
        for key, label in self.lookup_choices:
            yield {"selected": value == key, "query_string": changelist.get_query_string({self.parameter_name: key}),
                   "display": label}  # fmt: skip

    def queryset(self, request, queryset):
        value = self.value() or ReviewRequest.Status.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(ReviewRequest)
class ReviewRequestAdmin(TenantScopedAdmin):
    edit_roles = DECIDER_ROLES
    change_form_template = "admin/hitl/reviewrequest/change_form.html"
    list_display = ["summary", "sla", "priority", "amount", "customer", "queue", "due_at", "assignee", "status"]
    list_filter = [QueueStatusFilter, SlaFilter, "priority", "action", "queue"]
    search_fields = ["summary", "reason", "note", "customer__email", "customer__name", "payload__order_number"]
    list_select_related = ["tenant", "assignee", "reviewer", "customer"]
    ordering = ["due_at", "created_at"]
    date_hierarchy = "created_at"
    actions = ["assign_to_me"]
    readonly_fields = ["summary", "action", "payload", "reason", "priority", "status", "queue", "due_at", "customer",
                       "conversation", "ticket", "requested_by", "requested_by_user", "assignee", "reviewer",
                       "decision", "note", "decided_at", "created_at", "tenant"]  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request):
        """A store's managers see all its requests; its other staff only their queues' (the
        django-guardian permission a queue's membership gives), when the store has queues."""
        queryset = with_clock_warning(super().get_queryset(request))
        if self._superuser(request):
            return queryset
        return queryset.filter(review_scope(user=request.user, roles=self.view_roles | self.edit_roles))

    # Decisions go through review_decide on the page's buttons; nothing is saved through the form.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_decide(self, request, obj=None) -> bool:
        return self._may_edit(request, obj)

    @admin.display(description="SLA", ordering="due_at")
    def sla(self, obj):
        state = review_sla_state(obj)
        if not state:
            return "—"
        label, colour = BADGES[state]
        return format_html('<span class="sla-badge sla-{}" style="color:#fff;background:{};padding:1px 6px;'
                           'border-radius:8px;white-space:nowrap">{}</span>', state, colour, label)  # fmt: skip

    @admin.display(description="Amount")
    def amount(self, obj):
        value = obj.payload.get("amount") if isinstance(obj.payload, dict) else None
        return f"{value} {obj.tenant.currency}" if value else "—"

    @admin.action(description="Assign to me")
    def assign_to_me(self, request, queryset):
        done = 0
        for review in queryset.filter(status=ReviewRequest.Status.PENDING):
            try:
                services.review_assign(review=review, assignee=request.user, actor=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{review}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, f"Assigned {done} request(s) to you.", level=messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.may_decide(request):
            actions.pop("assign_to_me", None)
        return actions

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        report = self.admin_site.admin_view(self.report_view)
        return [
            path("<int:review_id>/decide/", decide, name="hitl_reviewrequest_decide"),
            path("report/", report, name="hitl_report"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {**(extra_context or {}), "report_url": reverse("admin:hitl_report")}
        return super().changelist_view(request, extra)

    def report_view(self, request):
        """The support report (hitl.report) of one of the staff member's stores."""
        stores = Tenant.objects.order_by("name")
        if not self._superuser(request):
            stores = stores.filter(id__in=self._ids(request, self.view_roles | self.edit_roles))
        stores = list(stores)
        if not stores:
            raise Http404("No store to report on.")
        chosen = next((s for s in stores if str(s.pk) == request.GET.get("store")), stores[0])
        today = timezone.now().date()
        errors = []

        def day(name, default):
            value = request.GET.get(name, "").strip()
            if not value:
                return default
            try:
                return date.fromisoformat(value)
            except ValueError:
                errors.append(f"{value!r} is not a date (YYYY-MM-DD).")
                return default

        since, until = day("since", today - timedelta(days=30)), day("until", today + timedelta(days=1))
        if until <= since:
            errors.append("The end date must be after the start date.")
            until = since + timedelta(days=1)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": f"Support report: {chosen.name}",
            "stores": stores, "store": chosen, "since": since, "until": until, "errors": errors,
            "report": support_report(tenant=chosen, since=since, until=until),
        }  # fmt: skip
        return TemplateResponse(request, "admin/hitl/report.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_queryset(request).filter(pk=object_id).select_related("conversation").first()
        extra = dict(extra_context or {})
        if review is not None:
            excerpt = []
            if review.conversation_id:
                recent = Message.objects.filter(conversation_id=review.conversation_id).order_by("-created_at", "-id")
                excerpt = list(recent[:EXCERPT_MESSAGES])[::-1]
            record = ReviewDecision.objects.filter(review=review).select_related("decided_by").first()
            extra.update(
                review=review, excerpt=excerpt, record=record, sla=self.sla(review),
                may_decide=review.status == ReviewRequest.Status.PENDING and self.may_decide(request, review),
                reasons=ReviewDecision.Reason.choices, amount=self.amount(review),
                decide_url=reverse("admin:hitl_reviewrequest_decide", args=[review.pk]),
            )  # fmt: skip
        return super().change_view(request, object_id, form_url, extra)

    def decide_view(self, request, review_id: int):
        review = self.get_queryset(request).filter(pk=review_id).first()
        if review is None:
            raise Http404("No such review request.")
        back = redirect("admin:hitl_reviewrequest_change", review.pk)
        if request.method != "POST":
            return back
        if not self.may_decide(request, review):
            self.message_user(request, "You may not decide review requests of this store.", level=messages.ERROR)
            return back
        choice = request.POST.get("decision", "")
        try:
            if choice == "assign":
                services.review_assign(review=review, assignee=request.user, actor=request.user)
                self.message_user(request, "Assigned to you.", level=messages.SUCCESS)
                return back
            record = services.review_decide_choice(
                review=review, choice=choice, reviewer=request.user, amount=request.POST.get("amount", ""),
                note=request.POST.get("note", ""), reason=request.POST.get("reason", ""),
            )  # fmt: skip
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return back
        self.message_user(request, f"{record.get_outcome_display()}: {review}. The shopper has been told.",
                          level=messages.SUCCESS)  # fmt: skip
        return redirect("admin:hitl_reviewrequest_changelist")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ["review", "outcome", "reason_code", "decided_by_label", "proposed_amount", "applied_amount",
                    "created_at", "tenant"]  # fmt: skip
    # (No filter on the request's queue or action: Django lists those values from every store.)
    list_filter = ["outcome", "reason_code", "created_at"]
    search_fields = ["review__summary", "note", "decided_by_label"]
    list_select_related = ["tenant", "review"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]

    @admin.display(description="Proposed")
    def proposed_amount(self, obj):
        return (obj.proposed or {}).get("amount", "")

    @admin.display(description="Approved")
    def applied_amount(self, obj):
        return (obj.applied or {}).get("amount", "")

    def get_actions(self, request):
        # ReadOnlyAdmin may not delete: the export is the one action, for whoever may see the rows.
        actions = super().get_actions(request)
        if self.has_view_permission(request):
            actions["export_csv"] = self.get_action("export_csv")
        return actions

    @admin.action(description="Export selected decisions as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="review-decisions.csv"'
        writer = csv.writer(response)
        writer.writerow(["decided_at", "store", "request", "action", "queue", "outcome", "reason", "decided_by",
                         "proposed_amount", "approved_amount", "changes", "note", "requested_at"])  # fmt: skip
        for d in queryset.select_related("review", "tenant").order_by("created_at"):
            writer.writerow([_csv_safe(str(value)) for value in (
                d.created_at.isoformat(), d.tenant.slug, d.review.summary, d.review.action, d.review.queue,
                d.outcome, d.reason_code, d.decided_by_label, self.proposed_amount(d), self.applied_amount(d),
                "; ".join(f"{k}: {a} -> {b}" for k, (a, b) in (d.changes or {}).items()), d.note,
                d.review.created_at.isoformat(),
            )])  # fmt: skip
        return response


def _csv_safe(value: str) -> str:
    """A cell that starts like a formula is written as text, so a spreadsheet does not run it."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class OutcomeMessageForm(SameTenantForm):
    class Meta:
        model = OutcomeMessage
        fields = "__all__"
        help_texts = {"body": "Placeholders: " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)}

    def clean_body(self):
        body = self.cleaned_data["body"]
        errors = placeholder_errors(body)
        if errors:
            raise forms.ValidationError("; ".join(errors))
        return body


@admin.register(OutcomeMessage)
class OutcomeMessageAdmin(TenantScopedAdmin):
    form = OutcomeMessageForm
    list_display = ["outcome", "action", "body", "active", "tenant"]
    list_filter = ["outcome", "active"]
    search_fields = ["body", "action"]


class QueueMemberInline(TenantScopedInline):
    model = QueueMember
    fields = ["user", "capacity", "last_assigned_at"]
    readonly_fields = ["last_assigned_at"]


@admin.register(Queue)
class QueueAdmin(TenantScopedAdmin):
    """Members (with their capacity) may see and decide the queue's requests: saving a member
    grants the django-guardian permission, removing one takes it away."""

    list_display = ["name", "strategy", "member_list", "tenant"]
    list_filter = ["strategy"]
    search_fields = ["name"]
    inlines = [QueueMemberInline]
    filter_horizontal = ["owners"]

    @admin.display(description="Members")
    def member_list(self, obj):
        return ", ".join(m.user.get_username() for m in obj.members.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members__user")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "owners" and not self._superuser(request):
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(memberships__tenant_id__in=self._ids(request, self.edit_roles))
                .distinct()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):
        if formset.model is not QueueMember:
            return super().save_formset(request, form, formset, change)
        members = formset.save(commit=False)
        for member in members:
            member.tenant_id = form.instance.tenant_id
            queue_member_save(member=member)
        for member in formset.deleted_objects:
            queue_member_remove(member=member)
        return None


class StaffStatusForm(SameTenantForm):
    class Meta:
        model = StaffStatus
        fields = ["tenant", "user", "status"]


@admin.register(StaffStatus)
class StaffStatusAdmin(TenantScopedAdmin):
    """Who is online: set here until the staff dashboard sets it; through the service (coming
    online picks up the queue's unassigned work)."""

    form = StaffStatusForm
    list_display = ["user", "status", "changed_at", "tenant"]
    list_filter = ["status"]
    search_fields = ["user__username", "user__email"]
    edit_roles = DECIDER_ROLES

    def save_model(self, request, obj, form, change):
        saved = staff_status_set(tenant=obj.tenant, user=obj.user, status=obj.status, actor=request.user)
        obj.pk = saved.pk


class SlaTargetInline(TenantScopedInline):
    model = SlaTarget
    fields = ["metric", "minutes", "business_hours", "warn_percent"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(TenantScopedAdmin):
    list_display = ["name", "category", "priority", "channel", "customer_tag", "targets_summary", "queue", "active",
                    "tenant"]  # fmt: skip
    list_filter = ["active", "priority", "channel", "queue"]
    search_fields = ["name", "category", "queue", "customer_tag"]
    inlines = [SlaTargetInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A policy decides every new clock's due time: who changed what is kept.
        audit_record(tenant=obj.tenant, verb="sla_policy.changed" if change else "sla_policy.created", target=obj,
                     actor_kind=AuditEvent.ActorKind.USER, actor_user=request.user,
                     data={field: str(form.cleaned_data.get(field)) for field in form.changed_data})  # fmt: skip

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is SlaTarget and formset.has_changed():
            changed = [str(t) for t in form.instance.targets.all()]
            audit_record(
                tenant=form.instance.tenant, verb="sla_policy.targets_changed", target=form.instance,
                actor_kind=AuditEvent.ActorKind.USER, actor_user=request.user, data={"targets": changed},
            )  # fmt: skip

    @admin.display(description="Targets")
    def targets_summary(self, obj):
        return "; ".join(str(target) for target in obj.targets.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")


class BusinessPeriodInline(TenantScopedInline):
    model = BusinessPeriod
    fields = ["weekday", "opens", "closes"]


class HolidayInline(TenantScopedInline):
    model = Holiday
    fields = ["date", "name"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(TenantScopedAdmin):
    list_display = ["name", "timezone", "hours", "tenant"]
    list_filter = ["timezone"]
    search_fields = ["name"]
    inlines = [BusinessPeriodInline, HolidayInline]

    @admin.display(description="Hours")
    def hours(self, obj):
        return ", ".join(str(period) for period in obj.periods.all()) or "around the clock"


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "metric", "audience", "status", "ticket", "review", "due_at", "met_at", "breached_at",
                    "tenant"]  # fmt: skip
    list_filter = ["metric", "status", "audience"]
    search_fields = ["ticket__subject", "review__summary"]
    list_select_related = ["tenant", "ticket", "review"]


@admin.register(TicketSla)
class TicketSlaAdmin(TenantScopedAdmin):
    """The policy a ticket keeps: changed here only through hitl.sla.ticket_policy_set (audited;
    the ticket's clocks take the new targets)."""

    list_display = ["ticket", "policy", "applied_at", "tenant"]
    list_filter = ["policy"]
    search_fields = ["ticket__subject", "policy__name"]
    list_select_related = ["tenant", "ticket", "policy"]
    fields = ["ticket", "policy", "applied_at"]
    readonly_fields = ["ticket", "applied_at"]

    def has_add_permission(self, request):
        return False  # a ticket gets its policy when it opens

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        ticket_policy_set(ticket=obj.ticket, policy=obj.policy, actor=request.user)


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "metric", "ticket", "review", "due_at", "breached_at", "tenant"]
    list_filter = ["metric", "breached_at"]
    search_fields = ["ticket__subject", "review__summary"]
    list_select_related = ["tenant", "ticket", "review"]
