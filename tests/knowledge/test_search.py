import datetime

import pytest

from knowledge import services
from knowledge.models import Article
from knowledge.search import search
from supportdesk.errors import ApplicationError
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

ARTICLES = {
    "Returns policy": "## Return window\n\nUnused parts can be sent back within 30 days of delivery for a full refund.",
    "Shipping times": "## Carriers\n\nWe ship with UPS and FedEx. Standard delivery takes 3 to 5 business days.",
    "Power supply sizing": "## Wattage\n\nAn RTX 4090 needs at least an 850 W power supply unit.",
}


def publish(tenant, title, body, **fields):
    values = {"status": Article.Status.PUBLISHED, **fields}
    article = services.article_save(article=Article(tenant=tenant, title=title, body=body, **values))
    services.chunks_embed(article_id=article.pk)
    return article


@pytest.fixture
def kb(tenant):
    return {title: publish(tenant, title, body) for title, body in ARTICLES.items()}


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("can i send back a gpu i dont want", "Returns policy"),  # no keyword in common with "return"
        ("how long does delivery take", "Shipping times"),
        ("what psu do i need for a 4090", "Power supply sizing"),
        ("refnd for unused part", "Returns policy"),  # typo
    ],
)
def test_hybrid_search_finds_the_answering_article(tenant, kb, question, title):
    results = search(tenant=tenant, query=question, k=3)
    assert results[0].title == title
    assert results[0].link.startswith(f"/help/{tenant.slug}/{kb[title].slug}/")
    assert results[0].heading.startswith(title)
    assert results[0].similarity is not None and results[0].score > 0


def test_results_have_headings_links_to_sections_and_scores_in_order(tenant, kb):
    results = search(tenant=tenant, query="ups fedex delivery", k=3)
    assert results[0].link.endswith("#carriers")
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_links_are_absolute_when_the_servers_address_is_set(tenant, kb, settings):
    # They travel by email and into widgets on the store's own site.
    settings.PUBLIC_BASE_URL = "https://support.example.com"
    link = search(tenant=tenant, query="ups fedex delivery", k=1)[0].link
    assert link.startswith(f"https://support.example.com/help/{tenant.slug}/") and link.endswith("#carriers")


def test_each_mode_answers_on_its_own(tenant, kb):
    assert search(tenant=tenant, query="850 W power supply", k=1, mode="text")[0].title == "Power supply sizing"
    vector = search(tenant=tenant, query="electricity for my graphics card", k=1, mode="vector")
    assert vector[0].title == "Power supply sizing"


def test_another_tenants_articles_are_never_returned(tenant, other_tenant, kb):
    publish(other_tenant, "Returns policy", "Our returns window is 90 days with free pickup.")
    results = search(tenant=tenant, query="returns window 90 days free pickup", k=10)
    assert results and all(r.article_id in {a.pk for a in kb.values()} for r in results)
    theirs = search(tenant=other_tenant, query="returns", k=10)
    assert {r.title for r in theirs} == {"Returns policy"} and all("90 days" in r.text for r in theirs)


def test_full_text_alone_never_crosses_tenants(tenant, other_tenant, kb):
    publish(other_tenant, "Pickup", "Our returns window is 90 days with free pickup.")
    assert search(tenant=tenant, query="free pickup", k=10, mode="text") == []
    theirs = search(tenant=other_tenant, query="returns window", k=10, mode="text")
    assert [r.title for r in theirs] == ["Pickup"]


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.ARCHIVED])
def test_drafts_and_archived_articles_are_never_served(tenant, status):
    publish(tenant, "Secret sale", "The secret sale starts on Friday with 40% off.", status=status)
    assert search(tenant=tenant, query="secret sale friday", k=5) == []
    assert search(tenant=tenant, query="secret sale friday", k=5, mode="vector") == []


def test_stale_articles_rank_lower_or_are_hidden_as_the_tenant_chooses(tenant):
    today = datetime.date(2026, 6, 1)
    stale = publish(tenant, "Price match (old)", "We match any price from major retailers.",
                    review_by=today - datetime.timedelta(days=1))  # fmt: skip
    fresh = publish(tenant, "Price match", "We match any price from major retailers within 14 days.",
                    review_by=today + datetime.timedelta(days=90))  # fmt: skip
    results = search(tenant=tenant, query="do you match prices", k=5, today=today)
    assert results[0].article_id == fresh.pk
    assert [r.stale for r in results if r.article_id == stale.pk] == [True]

    tenant.stale_articles = Tenant.StaleArticles.HIDE
    tenant.save()
    results = search(tenant=tenant, query="do you match prices", k=5, today=today)
    assert [r.article_id for r in results] == [fresh.pk]


def test_passages_per_article_are_capped_so_others_get_a_chance(tenant):
    long_body = "\n\n".join(f"## Part {i}\n\nRefund details number {i} about refunds." for i in range(8))
    publish(tenant, "Refunds", long_body)
    other = publish(tenant, "Refund timing", "Refunds reach your card in 5 business days.")
    results = search(tenant=tenant, query="refunds", k=5)
    assert sum(1 for r in results if r.title == "Refunds") <= 2
    assert other.pk in {r.article_id for r in results}


@pytest.mark.parametrize(
    ("query", "k", "mode", "code"),
    [
        ("", 5, "hybrid", "empty_query"),
        ("   \n\t ", 5, "hybrid", "empty_query"),
        ("x" * 2001, 5, "hybrid", "query_too_long"),
        ("\u200b\u200b \ufeff", 5, "hybrid", "empty_query"),  # invisible characters only
        ("😡📦🔥", 5, "hybrid", "no_words"),
        ("& | ! : * ( ) ' \\", 5, "hybrid", "no_words"),
        ("???", 5, "text", "no_words"),
        ("returns", 0, "hybrid", "invalid_k"),
        ("returns", 51, "hybrid", "invalid_k"),
        ("returns", 5, "fuzzy", "invalid_mode"),
    ],
)
def test_bad_queries_get_a_clear_error(tenant, query, k, mode, code):
    with pytest.raises(ApplicationError) as error:
        search(tenant=tenant, query=query, k=k, mode=mode)
    assert error.value.code == code


def test_punctuation_and_stopword_only_queries_do_not_break_full_text(tenant, kb):
    assert search(tenant=tenant, query="the and of ???", k=3, mode="text") == []
    assert search(tenant=tenant, query="'); DROP TABLE knowledge_chunk; --", k=3) is not None
    assert Article.objects.count() == 3


@pytest.mark.parametrize(
    "query",
    [
        "O'Neil's order ORD-1002 is late",
        "a:b & c | !d (e) <f> \\\\ 'quoted' \"double\"",
        "user@example.com 12VHPWR rtx-4090 ½ naïve café 日本語",
        "*:* OR 1=1; --",
    ],
)
def test_queries_with_operators_and_odd_characters_are_just_text(tenant, kb, query):
    for mode in ("hybrid", "text"):
        assert isinstance(search(tenant=tenant, query=query, k=3, mode=mode), list)


def test_control_characters_in_a_query_are_spaces_not_a_database_error(tenant, kb):
    for mode in ("hybrid", "text"):
        results = search(tenant=tenant, query="ups\x00fedex\x07 delivery", k=3, mode=mode)
        assert results[0].title == "Shipping times"


def test_full_width_and_hidden_characters_search_as_plain_words(tenant, kb):
    # A phone keyboard's full-width letters, and a soft hyphen pasted inside a word.
    assert search(tenant=tenant, query="ＦｅｄＥｘ", k=3, mode="text")[0].title == "Shipping times"
    assert search(tenant=tenant, query="fed\u00adex", k=3, mode="text")[0].title == "Shipping times"


def test_full_text_ranks_a_bounded_number_of_matches(tenant, monkeypatch):
    from knowledge import search as search_module

    for name in ("GPU warranty", "CPU warranty", "PSU warranty"):
        publish(tenant, name, f"The {name} lasts three years.")
    assert len(search(tenant=tenant, query="warranty", k=5, mode="text")) == 3
    monkeypatch.setattr(search_module, "TEXT_SCAN_LIMIT", 1)
    assert len(search(tenant=tenant, query="warranty", k=5, mode="text")) == 1


def lexeme_counts(tenant) -> dict[str, int]:
    from knowledge.models import LexemeCount

    return dict(LexemeCount.objects.filter(tenant=tenant, passages__gt=0).values_list("lexeme", "passages"))


def test_document_frequencies_follow_every_write_per_tenant(tenant, other_tenant):
    article = publish(tenant, "Warranty", "Graphics cards carry a three year warranty.")
    publish(other_tenant, "Warranty", "Our warranty lasts two years.")
    counts = lexeme_counts(tenant)
    assert counts["warranti"] == 1 and counts["graphic"] == 1 and "two" not in counts
    assert counts[f"#tenant {tenant.pk}"] == article.chunks.count()

    article.body = "Processors carry a five year warranty."
    services.article_save(article=article)
    counts = lexeme_counts(tenant)
    assert "graphic" not in counts and counts["processor"] == 1 and counts["warranti"] == 1

    article.delete()
    assert lexeme_counts(tenant) == {}
    assert lexeme_counts(other_tenant)["warranti"] == 1


def test_long_questions_search_only_their_rarer_words(tenant, monkeypatch):
    # Words most passages hold are left out of the full-text query (they still count in coverage),
    # so a rambling question costs what its telling words cost.
    from knowledge import search as search_module

    for number in range(6):
        publish(tenant, f"Order note {number}", f"Your order ships from the warehouse. Note number {number}.")
    publish(tenant, "Bent pins", "Your order with a bent socket pin: we repair the motherboard.")
    monkeypatch.setattr(search_module, "COMMON_FLOOR", 0)
    monkeypatch.setattr(search_module, "COMMON_SHARE", 0.5)
    monkeypatch.setattr(search_module, "MIN_SEARCH_TERMS", 1)
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append(params)
        return execute(sql, params, many, context)

    from django.db import connection

    with connection.execute_wrapper(capture):
        results = search(tenant=tenant, query="my order has a bent pin on the motherboard socket", k=3, mode="text")
    assert results[0].title == "Bent pins"
    with connection.cursor() as cursor:
        terms_sql = search_module.SQL.split("text_query AS")[0].rstrip().rstrip(",")
        cursor.execute(terms_sql + " SELECT term FROM searched_terms", statements[-1])
        searched = {row[0].strip("'") for row in cursor.fetchall()}
    assert "order" not in searched and {"bent", "pin", "motherboard", "socket"} <= searched
