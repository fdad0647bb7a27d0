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
