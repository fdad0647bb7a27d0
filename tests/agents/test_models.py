from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from agents.models import AgentProfile, AgentRun, ToolCall
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_agent_profile_name_is_unique_per_tenant(tenant, other_tenant):
    f.AgentProfileFactory(tenant=tenant, name="Refunds")
    f.AgentProfileFactory(tenant=other_tenant, name="Refunds")

    with pytest.raises(IntegrityError, match="agent_profile_unique_name_per_tenant"), transaction.atomic():
        f.AgentProfileFactory(tenant=tenant, name="Refunds")
    assert AgentProfile.objects.filter(name="Refunds").count() == 2


@pytest.mark.parametrize("steps", [0, 51])
def test_max_steps_outside_one_to_fifty_is_refused(steps):
    with pytest.raises(IntegrityError, match="agent_steps_1_to_50"), transaction.atomic():
        f.AgentProfileFactory(max_steps=steps)


@pytest.mark.parametrize("steps", [1, 50])
def test_max_steps_at_the_bounds_is_accepted(steps):
    assert f.AgentProfileFactory(max_steps=steps).pk


def test_refund_auto_approve_limit_cannot_be_negative():
    with pytest.raises(IntegrityError, match="agent_refund_limit_gte_0"), transaction.atomic():
        f.AgentProfileFactory(refund_auto_approve_limit=Decimal("-0.01"))
    assert f.AgentProfileFactory(refund_auto_approve_limit=None).pk
    assert f.AgentProfileFactory(refund_auto_approve_limit=Decimal("0")).pk


def test_run_duration_is_known_once_finished():
    run = f.AgentRunFactory(finished_at=None)
    assert run.duration_ms is None

    run.finished_at = run.started_at + timedelta(milliseconds=1250)
    run.save()
    run.refresh_from_db()
    assert run.duration_ms == 1250


def test_run_keeps_its_history_when_the_profile_is_deleted():
    run = f.AgentRunFactory()
    f.ToolCallFactory.create_batch(2, run=run)

    run.profile.delete()
    run.refresh_from_db()

    assert run.profile is None
    assert run.tool_calls.count() == 2


def test_for_tenant_returns_only_that_tenants_runs_and_tool_calls(tenant, other_tenant):
    my_call = f.ToolCallFactory(tenant=tenant)
    their_call = f.ToolCallFactory(tenant=other_tenant)

    assert list(AgentRun.objects.for_tenant(tenant)) == [my_call.run]
    assert list(ToolCall.objects.for_tenant(tenant)) == [my_call]
    assert list(ToolCall.objects.for_tenant(other_tenant)) == [their_call]
