from django import forms
from django.contrib import admin
from django.utils.html import format_html

from conversations.models import CannedReply, Conversation, Customer, Mention, Message, Note, Ticket
from conversations.placeholders import placeholder_errors
from conversations.replies import CANNED_PLACEHOLDERS
from conversations.services import MAX_MESSAGE_CHARS
from tenants.admin_base import MANAGERS, ReadOnlyInline, SameTenantForm, TenantScopedAdmin
from tenants.models import Membership

# Support agents work conversations and tickets, not only managers.
SUPPORT_ROLES = MANAGERS | {Membership.Role.AGENT}


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    edit_roles = SUPPORT_ROLES
    list_display = ["name", "email", "phone", "external_id", "created_at", "tenant"]
    list_filter = [
        "created_at", ("email", admin.EmptyFieldListFilter), ("phone", admin.EmptyFieldListFilter),
        ("merged_into", admin.EmptyFieldListFilter),
    ]  # fmt: skip
    search_fields = ["name", "email", "phone", "external_id"]
    # Set by proof of identity (conversations.services.customers_link), never by hand.
    readonly_fields = ["merged_into"]


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "direction", "channel", "sender_kind", "body"]
    readonly_fields = fields


@admin.register(Conversation)
class ConversationAdmin(TenantScopedAdmin):
    edit_roles = SUPPORT_ROLES
    list_display = [
        "__str__", "customer", "channel", "status", "handled_by", "assignee", "last_message_at", "live", "tenant",
    ]  # fmt: skip
    list_filter = ["status", "channel", "handled_by"]
    search_fields = ["subject", "customer__email", "customer__name", "customer__phone"]
    list_select_related = ["tenant", "customer", "assignee"]
    raw_id_fields = ["customer"]
    inlines = [MessageInline]

    @admin.display(description="Live")
    def live(self, obj):
        return format_html('<a href="{}">Watch live</a>', obj.get_absolute_url())


@admin.register(Message)
class MessageAdmin(TenantScopedAdmin):
    edit_roles = frozenset()  # messages are the record of what was said: nobody edits them
    list_display = [
        "created_at", "conversation", "direction", "channel", "sender_kind", "short_body", "delivery_status", "tenant",
    ]  # fmt: skip
    list_filter = ["direction", "channel", "sender_kind", "delivery_status"]
    search_fields = ["body", "provider_message_id"]
    list_select_related = ["tenant", "conversation"]
    date_hierarchy = "created_at"

    @admin.display(description="Body")
    def short_body(self, obj):
        return obj.body[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    edit_roles = SUPPORT_ROLES
    list_display = ["id", "subject", "category", "priority", "severity", "status", "sla_due_at", "assignee", "tenant"]
    list_filter = ["status", "priority", "severity", "category"]
    search_fields = ["subject", "order_number", "customer__email", "customer__name"]
    list_select_related = ["tenant", "assignee"]
    raw_id_fields = ["customer", "conversation"]


class CannedReplyForm(SameTenantForm):
    class Meta:
        model = CannedReply
        fields = "__all__"
        help_texts = {"body": "Placeholders: " + ", ".join(f"{{{p}}}" for p in CANNED_PLACEHOLDERS)}

    def clean_body(self):
        body = self.cleaned_data["body"]
        errors = placeholder_errors(body, CANNED_PLACEHOLDERS)
        if errors:
            raise forms.ValidationError("; ".join(errors))
        if len(body) > MAX_MESSAGE_CHARS:
            raise forms.ValidationError(f"At most {MAX_MESSAGE_CHARS} characters: a reply may not be longer.")
        return body


@admin.register(CannedReply)
class CannedReplyAdmin(TenantScopedAdmin):
    form = CannedReplyForm
    list_display = ["name", "body", "active", "tenant"]
    list_filter = ["active"]
    search_fields = ["name", "body"]


class MentionInline(ReadOnlyInline):
    model = Mention
    fields = ["user", "read_at"]


@admin.register(Note)
class NoteAdmin(TenantScopedAdmin):
    """Internal notes, as the dashboard wrote them: read here, never edited (what a colleague
    wrote stays as written)."""

    list_display = ["conversation", "author", "body", "created_at", "tenant"]
    list_filter = ["created_at"]
    search_fields = ["body", "author__username"]
    list_select_related = ["tenant", "conversation", "author"]
    readonly_fields = ["conversation", "author", "body", "created_at", "tenant"]
    fields = readonly_fields
    inlines = [MentionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
