"""The review queue in the dashboard: the same requests, rules and services as the admin's
console (``hitl.selectors.review_scope``, ``hitl.services.review_decide``), with the
conversation's timeline beside the request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboard import timeline as timelines
from hitl import services
from hitl.models import ReviewDecision, ReviewRequest
from hitl.selectors import review_scope, with_clock_warning
from supportdesk.errors import ApplicationError
from tenants.selectors import ALL_ROLES, tenant_ids_for_user


def _visible(request):
    reviews = ReviewRequest.objects.filter(tenant_id__in=tenant_ids_for_user(user=request.user))
    return with_clock_warning(reviews.filter(review_scope(user=request.user, roles=ALL_ROLES))).select_related(
        "tenant", "customer", "assignee", "conversation"
    )


@login_required
def review_list(request):
    pending = _visible(request).filter(status=ReviewRequest.Status.PENDING).order_by("due_at", "created_at")
    return render(request, "dashboard/reviews.html", {"reviews": pending[:200], "now": timezone.now()})


@login_required
def review_page(request, review_id: int):
    review = _visible(request).filter(pk=review_id).first()
    if review is None:  # not there, another store's, or another queue's: the same answer
        raise Http404("No such review request.")
    items = timelines.timeline(review.conversation) if review.conversation_id else []
    context = {
        "review": review, "items": items, "conversation": review.conversation, "now": timezone.now(),
        "reasons": ReviewDecision.Reason.choices,
        "amount": review.payload.get("amount") if isinstance(review.payload, dict) else None,
    }  # fmt: skip
    return render(request, "dashboard/review.html", context)


@login_required
@require_POST
def review_decide(request, review_id: int):
    """Approve, approve with another amount, reject with a reason, or take it: through the
    services, which check the reviewer's role, queue and own requests again."""
    review = _visible(request).filter(pk=review_id).first()
    if review is None:
        raise Http404("No such review request.")
    choice = request.POST.get("decision", "")
    try:
        if choice == "assign":
            services.review_assign(review=review, assignee=request.user, actor=request.user)
            messages.success(request, "Assigned to you.")
            return redirect("dashboard:review", review_id=review.pk)
        record = services.review_decide_choice(
            review=review, choice=choice, reviewer=request.user, amount=request.POST.get("amount", ""),
            note=request.POST.get("note", ""), reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("dashboard:review", review_id=review.pk)
    messages.success(request, f"{record.get_outcome_display()}: {review}. The shopper has been told.")
    return redirect("dashboard:reviews")
