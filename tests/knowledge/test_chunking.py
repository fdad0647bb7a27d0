import itertools
import re

from knowledge.chunking import chunk_article

BODY = """# Returns policy

Intro paragraph about returns.

## How to start a return

Open your order and press Return. We email a label.

### Damaged boxes

Photograph the box before you open it.

## Refund timing

Refunds take 5 business days.
"""


def test_passages_follow_headings_and_carry_the_heading_path():
    passages = chunk_article("Returns policy", BODY)
    assert [p.heading for p in passages] == [
        "Returns policy",
        "Returns policy > How to start a return",
        "Returns policy > How to start a return > Damaged boxes",
        "Returns policy > Refund timing",
    ]
    assert passages[2].text == "Photograph the box before you open it."


def test_long_sections_are_cut_under_the_limit_with_overlap():
    # Every sentence is 60 characters (two-digit numbers), so one fits the 120-character overlap
    # and two (121 with the space) do not: exactly one sentence is repeated at each cut.
    sentences = [f"Sentence number {i:02d} explains one more detail of the warranty." for i in range(60)]
    assert {len(s) for s in sentences} == {60}
    passages = chunk_article("Warranty", "## Details\n\n" + " ".join(sentences), max_chars=400, overlap_chars=120)
    assert len(passages) > 5
    assert all(len(p.text) <= 400 for p in passages)
    for before, after in itertools.pairwise(passages):
        last_sentence = re.split(r"\s+(?=Sentence)", before.text)[-1]
        repeated, rest = after.text.split("\n\n", 1)
        assert repeated == last_sentence  # the previous passage's last sentence, alone
        assert rest.startswith(sentences[sentences.index(last_sentence) + 1])  # then the next one
    # Nothing lost on the way: every sentence is in a passage, in order.
    seen = re.findall(r"Sentence number \d\d [^.]+\.", " ".join(p.text for p in passages))
    assert list(dict.fromkeys(seen)) == sentences


def test_a_monster_word_run_is_still_cut():
    passages = chunk_article("T", "x" * 5000, max_chars=500)
    assert all(len(p.text) <= 500 for p in passages)
    assert "".join(p.text for p in passages) == "x" * 5000


def test_code_fences_keep_their_hash_lines():
    passages = chunk_article("T", "## Setup\n\n```\n# not a heading\nrun it\n```\n")
    assert len(passages) == 1
    assert "# not a heading" in passages[0].text


def test_an_empty_body_still_indexes_the_title():
    passages = chunk_article("Gift cards", "")
    assert [(p.heading, p.text) for p in passages] == [("Gift cards", "Gift cards")]


def test_content_hash_changes_with_text_or_heading():
    a = chunk_article("T", "## A\n\nsame text")[0]
    b = chunk_article("T", "## B\n\nsame text")[0]
    assert a.content_hash != b.content_hash
    assert a.content_hash == chunk_article("T", "## A\n\nsame text")[0].content_hash
