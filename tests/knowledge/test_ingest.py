import json

import pytest
from django.core.management import CommandError, call_command

from knowledge.models import Article, ArticleVersion, Chunk
from knowledge.search import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "gift-cards.md").write_text(
        "# Gift cards\n\nGift cards never expire.\n\n## Lost cards\n\nWe reissue them.\n"
    )
    (tmp_path / "faq" / "hours.html").write_text(
        "<html><head><title>Store hours</title><script>steal()</script><style>p{}</style></head>"
        "<body><h1>Opening hours</h1><p>We are open <b>9 to 5</b>.</p><ul><li>Monday</li><li>Friday</li></ul>"
        '<p>See <a href="https://shop.example/map">the map</a> or <a href="javascript:x()">this</a>.</p></body></html>'
    )
    (tmp_path / "loyalty_points.txt").write_text("Points are worth one cent each.")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4 not imported")
    return tmp_path


def run(tenant, path, *extra):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("ingest_kb", str(path), "--tenant", tenant.slug, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_folder_becomes_published_searchable_articles(tenant, folder):
    out, _err = run(tenant, folder)
    assert "3 created, 0 updated, 0 unchanged, 0 skipped." in out
    articles = {a.source_path: a for a in Article.objects.for_tenant(tenant)}
    assert set(articles) == {"gift-cards.md", "faq/hours.html", "loyalty_points.txt"}
    gift, hours, points = articles["gift-cards.md"], articles["faq/hours.html"], articles["loyalty_points.txt"]
    assert (gift.title, gift.slug, gift.status) == ("Gift cards", "gift-cards", "published")
    assert not gift.body.startswith("# Gift cards")  # the title is not repeated in the body
    assert hours.title == "Opening hours"
    assert "steal" not in hours.body and "p{}" not in hours.body
    assert "**9 to 5**" in hours.body and "- Monday" in hours.body
    assert "[the map](https://shop.example/map)" in hours.body and "javascript" not in hours.body
    assert points.title == "Loyalty points"
    assert search(tenant=tenant, query="do gift cards expire", k=1, mode="text")[0].title == "Gift cards"


def test_a_second_import_changes_only_what_changed(tenant, folder):
    run(tenant, folder)
    chunks_before = set(Chunk.objects.values_list("id", flat=True))
    (folder / "gift-cards.md").write_text("# Gift cards\n\nGift cards expire after 5 years.\n")
    out, _ = run(tenant, folder)
    assert "0 created, 1 updated, 2 unchanged, 0 skipped." in out
    gift = Article.objects.get(source_path="gift-cards.md")
    assert "5 years" in gift.body
    assert gift.versions.count() == 2 and gift.versions.first().note == "imported from gift-cards.md"
    hours = Article.objects.get(source_path="faq/hours.html")
    assert set(hours.chunks.values_list("id", flat=True)) <= chunks_before  # untouched
    assert ArticleVersion.objects.filter(article=hours).count() == 1


def test_bad_files_are_skipped_with_a_reason_and_the_rest_imported(tenant, tmp_path):
    (tmp_path / "good.md").write_text("# Good\n\nFine.")
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "huge.txt").write_bytes(b"a" * 1_000_001)
    (tmp_path / "windows.txt").write_bytes("Caf\xe9 cr\xe8me opening hours".encode("cp1252"))
    out, err = run(tenant, tmp_path)
    assert "2 created, 0 updated, 0 unchanged, 3 skipped." in out
    assert "binary.md: binary file" in err
    assert "empty.txt: empty file" in err
    assert "huge.txt: larger than 1 MB" in err
    assert Article.objects.get(source_path="windows.txt").body == "Café crème opening hours"


def test_drafts_on_request_and_clear_errors_for_bad_arguments(tenant, other_tenant, folder):
    run(tenant, folder, "--status", "draft")
    assert set(Article.objects.values_list("status", flat=True)) == {"draft"}
    assert not Article.objects.for_tenant(other_tenant).exists()
    with pytest.raises(CommandError, match="No active tenant with slug 'nope'"):
        call_command("ingest_kb", str(folder), "--tenant", "nope")
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("ingest_kb", str(folder / "gift-cards.md"), "--tenant", tenant.slug)


def test_kb_search_prints_json(tenant, folder, capsys):
    run(tenant, folder)
    from knowledge.services import chunks_embed

    chunks_embed()
    call_command("kb_search", "--tenant", tenant.slug, "--json", "--k", "2", "when is the shop open")
    results = json.loads(capsys.readouterr().out)
    assert results[0]["title"] == "Opening hours"
    assert set(results[0]) >= {"article_id", "title", "heading", "score", "text"}
    assert len(results) <= 2


def test_kb_search_refuses_bad_input_clearly(tenant):
    with pytest.raises(CommandError, match="The search query is empty"):
        call_command("kb_search", "--tenant", tenant.slug, "  ")
    with pytest.raises(CommandError, match="No active tenant"):
        call_command("kb_search", "--tenant", "nope", "returns")
    for extra in ([], ["--answer"]):
        with pytest.raises(CommandError, match="no words to search for"):
            call_command("kb_search", "--tenant", tenant.slug, "🙂🙂", *extra)


def test_kb_reembed_fills_vectors_for_a_new_provider(tenant, folder, openai_embeddings, capsys):
    run(tenant, folder)
    call_command("kb_reembed", "--tenant", tenant.slug)
    assert "with openai:fake-embed-384" in capsys.readouterr().out
    assert set(Chunk.objects.values_list("embedding_model", flat=True)) == {"openai:fake-embed-384"}
    openai_embeddings.fail_next(10, status=503)
    Chunk.objects.update(embedding_model="local:old")
    with pytest.raises(CommandError, match="Nothing was lost; run this again"):
        call_command("kb_reembed")
