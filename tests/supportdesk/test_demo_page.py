"""/demo/: a store page that embeds the widget the way a store would."""

import re

from django.utils import timezone

from conversations.widget import user_hash
from supportdesk.demo.loader import demo_seed
from tenants.models import WidgetKey


def test_the_demo_store_embeds_the_widget_with_its_key(client, db):
    demo_seed(now=timezone.now(), only=("macrocenter",))
    page = client.get("/demo/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<script src="/static/widget/widget.js" data-key="pk_demo_macrocenter"', html)
    assert "data-user-hash" not in html


def test_signing_in_as_a_demo_shopper_passes_a_valid_identity_hash(client, db):
    demo_seed(now=timezone.now(), only=("macrocenter",))
    html = client.get("/demo/", {"as": "alex.morgan@example.com"}).content.decode()
    fields = dict(re.findall(r'data-user-(id|email|hash)="([^"]*)"', html))
    assert fields["email"] == "alex.morgan@example.com"
    secret = WidgetKey.objects.get(public_key="pk_demo_macrocenter").secret
    assert fields["hash"] == user_hash(secret=secret, user_id=fields["id"], email=fields["email"])


def test_the_demo_page_without_demo_data_says_how_to_seed_it(client, db):
    assert client.get("/demo/").status_code == 404


def test_the_demo_widget_keys_follow_the_host_and_port_make_run_serves(db):
    from conversations.widget import origin_allowed
    from supportdesk.demo.loader import demo_origins_follow

    demo_seed(now=timezone.now(), only=("macrocenter",))
    key = WidgetKey.objects.get(public_key="pk_demo_macrocenter")
    assert not origin_allowed(key, "http://127.0.0.1:8080")  # the premise: seeded for port 8000
    demo_origins_follow(host="127.0.0.1", port="8080")
    key.refresh_from_db()
    assert origin_allowed(key, "http://127.0.0.1:8080") and origin_allowed(key, "http://localhost:8080")
    assert origin_allowed(key, "http://127.0.0.1:8000")  # what it allowed before stays
    assert demo_origins_follow(host="127.0.0.1", port="8080") == []  # a later run on the same port adds nothing
    demo_origins_follow(host="support.example.com", port="9000")
    key.refresh_from_db()
    assert origin_allowed(key, "http://support.example.com:9000")
