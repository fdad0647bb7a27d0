import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from agents.models import Intent, IntentExample
from tenants.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def write(tmp_path, data, name="intents.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_load_intents_creates_updates_and_replaces(tenant, tmp_path, capsys):
    profile = f.AgentProfileFactory(tenant=tenant, name="Orders and returns")
    first = [
        {"name": "order_status", "description": "Where is it", "examples": ["where is my order", "tracking?"],
         "priority": "normal", "profile": "orders and returns"},
        {"name": "greeting", "examples": ["hi"], "priority": "low"},
    ]  # fmt: skip
    call_command("load_intents", "--tenant", tenant.slug, write(tmp_path, first))
    assert "2 created, 0 updated, 0 removed." in capsys.readouterr().out
    status = Intent.objects.get(tenant=tenant, name="order_status")
    assert status.target_profile == profile and status.priority == "normal"
    assert IntentExample.objects.filter(intent=status, embedding__isnull=False).count() == 2

    second = [{"name": "order_status", "examples": ["where is my order", "is it shipped"], "priority": "high"}]
    call_command("load_intents", "--tenant", tenant.slug, "--replace", write(tmp_path, second))
    assert "0 created, 1 updated, 1 removed." in capsys.readouterr().out
    status.refresh_from_db()
    assert status.priority == "high"
    assert sorted(IntentExample.objects.filter(intent=status).values_list("text", flat=True)) == [
        "is it shipped", "where is my order"
    ]  # fmt: skip
    assert not Intent.objects.filter(name="greeting").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ({"name": "x"}, "Expected a non-empty JSON list"),
        ([], "Expected a non-empty JSON list"),
        ([{"examples": ["hi"]}], 'needs a "name"'),
        ([{"name": "a", "examples": "hi"}], "examples must be a list of strings"),
        ([{"name": "a", "examples": []}], "needs at least one example"),
        ([{"name": "a", "examples": ["x"], "priority": "asap"}], "Unknown priority"),
        ([{"name": "a", "examples": ["x"], "profile": "Nobody"}], "no agent profile named 'Nobody'"),
        ([{"name": "a", "examples": ["x"]}, {"name": "A", "examples": ["y"]}], "appears twice"),
    ],
)
def test_bad_files_are_refused_whole(tenant, tmp_path, content, message):
    with pytest.raises(CommandError, match=message):
        call_command("load_intents", "--tenant", tenant.slug, write(tmp_path, content))
    assert not Intent.objects.exists()


def test_missing_file_and_unknown_tenant(tenant, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_intents", "--tenant", tenant.slug, str(tmp_path / "nope.json"))
    with pytest.raises(CommandError, match="No active tenant"):
        call_command("load_intents", "--tenant", "nope", write(tmp_path, [{"name": "a", "examples": ["x"]}]))


def test_intents_are_edited_in_the_admin_one_example_per_line(client, tenant, other_tenant):
    user = f.UserFactory(staff=True)
    f.MembershipFactory(user=user, tenant=tenant, role=Membership.Role.ADMIN)
    client.force_login(user)
    theirs = f.AgentProfileFactory(tenant=other_tenant)
    examples = "do you match amazon, newegg?\r\n\r\nbeat this price\r\n"
    data = {"tenant": tenant.pk, "name": "Price_Match", "examples": examples, "priority": "normal", "active": "on"}
    refused = client.post(reverse("admin:agents_intent_add"), {**data, "target_profile": theirs.pk})
    assert refused.status_code == 200 and not Intent.objects.exists()
    response = client.post(reverse("admin:agents_intent_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    intent = Intent.objects.get()
    assert intent.name == "price_match"
    assert intent.examples == ["do you match amazon, newegg?", "beat this price"]
    assert IntentExample.objects.filter(intent=intent, embedding__isnull=False).count() == 2
