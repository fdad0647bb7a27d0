from knowledge.rendering import render_markdown


def test_scripts_raw_html_and_dangerous_links_do_not_survive():
    html = render_markdown(
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) <iframe src='https://evil.example'></iframe> <b onclick='x()'>bold</b>"
    )
    assert "<script" not in html and "alert" not in html
    assert "<img" not in html and "onerror" not in html
    assert "javascript:" not in html and "<iframe" not in html and "onclick" not in html


def test_links_open_in_a_new_tab_and_headings_get_anchors():
    html = render_markdown("## Start a return\n\nSee [the portal](https://shop.example/returns).")
    assert '<h2 id="start-a-return">' in html
    assert 'href="https://shop.example/returns"' in html
    assert 'target="_blank"' in html and "noopener" in html


def test_markdown_tables_and_code_render():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```")
    assert "<table>" in html and "<code>" in html
