"""The shopper's own words from a mail: HTML made text, quoted history and signatures cut."""

from conversations.channels.email_text import html_to_text, reply_trim

GMAIL_REPLY = """Thanks, but the tracking link still says "label created".
Can you check with the carrier?

Pat

On Tue, Nov 18, 2025 at 9:14 AM Store 1 Support <support@store.example>
wrote:

> Your order ORD-000123 shipped on Monday with UPS.
> Tracking: 1Z999AA10123456784
>
> --
> Store 1 Support
"""

OUTLOOK_REPLY = """Please cancel it then.

________________________________
From: Store 1 Support <support@store.example>
Sent: Tuesday, November 18, 2025 9:14 AM
To: Pat Doe <pat@example.com>
Subject: Re: Where is my order?

Your order ORD-000123 shipped on Monday.
"""


def test_a_gmail_reply_keeps_only_the_new_words():
    trimmed = reply_trim(GMAIL_REPLY)
    assert (
        trimmed == 'Thanks, but the tracking link still says "label created".\nCan you check with the carrier?\n\nPat'
    )


def test_an_outlook_reply_stops_at_the_original_message():
    assert reply_trim(OUTLOOK_REPLY) == "Please cancel it then."
    assert reply_trim("Yes please.\n\n-----Original Message-----\nFrom: support@store.example\n") == "Yes please."


def test_signatures_are_cut():
    assert reply_trim("Where is ORD-1?\n\nSent from my iPhone") == "Where is ORD-1?"
    assert reply_trim("Where is ORD-1?\n-- \nPat Doe\nAcme Inc.\n+1 415 555 0100") == "Where is ORD-1?"
    assert reply_trim("Where is ORD-1?\n\nGet Outlook for iOS") == "Where is ORD-1?"


def test_inline_quotes_are_dropped_but_the_answers_between_them_stay():
    text = "> Which order?\nORD-000123\n> And the email on it?\npat@example.com"
    assert reply_trim(text) == "ORD-000123\npat@example.com"


def test_a_mail_that_is_all_quote_is_kept_rather_than_lost():
    assert reply_trim("> only a quote") == "> only a quote"


def test_html_becomes_text_without_the_quoted_block_or_signature():
    markup = """<html><head><style>p{color:red}</style></head><body>
    <div dir="ltr">Hi,<br>my order <b>ORD-000123</b> arrived&nbsp;broken.<ul><li>the box</li><li>the card</li></ul>
    <div class="gmail_signature">Pat Doe | Acme</div></div>
    <div class="gmail_quote"><div class="gmail_attr">On Tue, Support wrote:</div>
    <blockquote class="gmail_quote">Your order shipped.</blockquote></div>
    <script>alert(1)</script></body></html>"""
    assert html_to_text(markup) == "Hi,\nmy order ORD-000123 arrived broken.\n\n- the box\n- the card"


def test_outlook_html_history_is_dropped():
    markup = '<p>Cancel it please.</p><hr><div id="divRplyFwdMsg"><b>From:</b> Support</div><p>Your order shipped.</p>'
    assert html_to_text(markup) == "Cancel it please."


def test_quote_headers_in_other_languages_end_the_new_part():
    # German and Dutch Gmail put the sender between the verb and the colon, sometimes wrapped.
    german = "Wo ist ORD-1002?\n\nAm Mo., 17. Nov. 2025 um 10:02 Uhr schrieb Support <support@store.example>:\n> Ihre"
    wrapped = (
        "Wo ist ORD-1002?\n\nAm Mo., 17. Nov. 2025 um 10:02 Uhr schrieb Support <\nsupport@store.example>:\n> Ihre"
    )
    dutch = "Waar is ORD-1002?\n\nOp ma 17 nov. 2025 om 10:02 schreef Support <support@store.example>:\n> Uw"
    french = "Où est ORD-1002 ?\n\nLe lun. 17 nov. 2025 à 10:02, Support <support@store.example> a écrit :\n> Votre"
    spanish = "¿Dónde está ORD-1002?\n\nEl lun, 17 nov 2025 a las 10:02, Support (<s@store.example>) escribió:\n> Su"
    assert reply_trim(german) == reply_trim(wrapped) == "Wo ist ORD-1002?"
    assert reply_trim(dutch) == "Waar is ORD-1002?"
    assert reply_trim(french) == "Où est ORD-1002 ?"
    assert reply_trim(spanish) == "¿Dónde está ORD-1002?"


def test_outlook_header_blocks_in_other_languages_end_the_new_part():
    french = "Où est ORD-1002 ?\n\nDe : Support <s@store.example>\nEnvoyé : lundi 17 novembre 2025 10:02\nÀ : Pat\n"
    spanish = "¿Dónde está?\n\nDe: Support <s@store.example>\nEnviado: lunes, 17 de noviembre de 2025\nPara: Pat\n"
    german = "Wo ist es?\n\nVon: Support <s@store.example>\nDatum: Montag, 17. November 2025\nAn: Pat\n"
    assert reply_trim(french) == "Où est ORD-1002 ?"
    assert reply_trim(spanish) == "¿Dónde está?"
    assert reply_trim(german) == "Wo ist es?"


def test_mobile_signatures_in_other_languages_are_cut():
    for signature in ("Envoyé de mon iPhone", "Enviado desde mi iPhone", "Von meinem iPhone gesendet",
                      "Inviato da iPhone", "Sent from my Galaxy"):  # fmt: skip
        assert reply_trim(f"Where is ORD-1?\n\n{signature}") == "Where is ORD-1?", signature
    # A shopper's own sentence that starts alike stays.
    assert reply_trim("Sent from the warehouse on Monday, still not here.") == (
        "Sent from the warehouse on Monday, still not here."
    )


def test_html_table_cells_are_kept_apart():
    markup = "<p>My items:</p><table><tr><td>ORD-1002</td><td>GPU</td></tr><tr><th>Qty</th><td>1</td></tr></table>"
    assert html_to_text(markup) == "My items:\n\nORD-1002 GPU\n\nQty 1"
