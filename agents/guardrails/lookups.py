"""The two queries of the personal-data check (``personal``), each within one tenant and
only for what the text could name. Written as SQL: built from Django expressions, they cost
more to compile than to run, and the check runs on every outbound text."""

import json
import re

from django.db import connection

from agents.guardrails.contacts import ACCENTED, UNACCENTED
from conversations.models import Customer
from orders.models import Order


def _rows(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _key(column: str) -> str:
    """SQL for a name or a city as the text's words are compared with it: lower case, accents
    off (as ``normal`` takes them off), one space between words ("Sofía  Rossi" is "sofia rossi")."""
    return f"btrim(regexp_replace(lower(translate({column}, '{ACCENTED}', '{UNACCENTED}')), '[^[:alnum:]]+', ' ', 'g'))"


_CUSTOMERS = f"""
WITH keyed AS (
    SELECT c.id, c.name, c.phone, c.email, {_key("c.name")} AS name_key,
           regexp_replace(c.phone, '\\D', '', 'g') AS phone_digits,
           regexp_replace(lower(split_part(c.email, '@', 1)), '[._-]', '', 'g') || '@'
               || lower(split_part(c.email, '@', 2)) AS email_key
    FROM {Customer._meta.db_table} c
    WHERE c.tenant_id = %(tenant)s AND c.id <> %(exclude)s
)
SELECT k.name, k.phone, k.email, k.name_key,
       ARRAY(SELECT DISTINCT {_key("o.shipping_address->>'city'")} FROM {Order._meta.db_table} o
             WHERE o.customer_id = k.id AND {_key("o.shipping_address->>'city'")} = ANY(%(places)s)) AS places
FROM keyed k
WHERE k.name_key = ANY(%(names)s) OR replace(k.name_key, ' ', '') = ANY(%(names)s)
   OR regexp_replace(k.name_key, '^(\\S)\\S*(?: \\S+)* (\\S+)$', '\\1 \\2') = ANY(%(initials)s)
   OR regexp_replace(k.name_key, '^(\\S+)(?: \\S+)* (\\S)\\S*$', '\\1 \\2') = ANY(%(initials)s)
   OR (%(endings)s <> '' AND k.phone_digits ~ %(endings)s)
   OR k.email_key = ANY(%(addresses)s)
   OR k.email_key LIKE ANY(%(address_starts)s)
   -- a first or last name the text gives as an order's owner ("it belongs to Priya")
   OR string_to_array(k.name_key, ' ') && %(owners)s
   OR (string_to_array(k.name_key, ' ') && %(words)s AND EXISTS(
           SELECT 1 FROM {Order._meta.db_table} o
           WHERE o.customer_id = k.id AND {_key("o.shipping_address->>'city'")} = ANY(%(places)s)))
LIMIT 1000
"""


def customer_rows(
    tenant_id: int, *, exclude: int | None, names: set[str], initials: set[str], endings: set[str],
    addresses: set[str], words: set[str], places: set[str], address_starts: set[str] = frozenset(),
    owners: set[str] = frozenset(),
) -> list[dict]:  # fmt: skip
    """The tenant's customers but ``exclude`` whose name, initial and last name, phone ending or
    email (``email_key``) is among those given, who have a name among ``owners``, or who have a
    name among ``words`` and an order shipped to one of ``places`` (the places with each, compared
    as ``_key`` has them): one query."""
    params = {
        "tenant": tenant_id, "exclude": exclude or 0, "names": sorted(names), "initials": sorted(initials),
        "endings": f"({'|'.join(sorted(endings))})$" if endings else "", "addresses": sorted(addresses),
        "words": sorted(words), "places": sorted(places),
        "address_starts": sorted(_like_escaped(start) + "%" for start in address_starts), "owners": sorted(owners),
    }  # fmt: skip
    return _rows(_CUSTOMERS, params)


# The first two words of a street line after its house number, as ``_key`` has them.
_STREET = _key(r"substring(o.shipping_address->>'line1' from '^\s*\d+[A-Za-z]?\s+(\S+\s+\S+)')")

_ORDERS = f"""
SELECT o.number, o.customer_id, c.name AS customer_name, o.shipping_address
FROM {Order._meta.db_table} o LEFT JOIN {Customer._meta.db_table} c ON c.id = o.customer_id
WHERE o.tenant_id = %(tenant)s AND (
    regexp_replace(o.number, '\\D', '', 'g') = ANY(%(digits)s)
    OR upper(replace(o.shipping_address->>'postal_code', ' ', '')) = ANY(%(postals)s)
    -- a house number only beside a word that may be its street's, written out or cut short
    -- ("1820 Market", "1820 Mkt", "Market St 1820"): "Bay 21 fits" is no "21 Elm St"
    OR (%(houses)s <> '' AND o.shipping_address->>'line1' ~* %(houses)s
        AND lower(left(split_part(o.shipping_address->>'line1', ' ', 2), 1)) = ANY(%(initials)s))
    -- a street without its house number: its first two words ("Market St" of "1820 Market St")
    OR {_STREET} = ANY(%(streets)s)
)
ORDER BY regexp_replace(o.number, '\\D', '', 'g') = ANY(%(digits)s) DESC
LIMIT 1000
"""


def order_rows(
    tenant_id: int, *, digits: set[str], postals: set[str], houses: list[str], initials: set[str],
    streets: set[str] = frozenset(),
) -> list[dict]:  # fmt: skip
    """The tenant's orders numbered with ``digits`` (first), shipped to one of ``postals`` (upper
    case, no spaces), to a street line starting with one of ``houses`` and then a word that
    starts with one of ``initials`` (lower case), or to a street whose first two words after the
    house number are one of ``streets`` ("market st"): number, customer_id, customer_name,
    shipping_address."""
    pattern = rf"^({'|'.join(re.escape(h) for h in houses)})\s" if houses else ""
    params = {
        "tenant": tenant_id, "digits": sorted(digits), "postals": sorted(postals), "houses": pattern,
        "initials": sorted(initials), "streets": sorted(streets),
    }  # fmt: skip
    rows = _rows(_ORDERS, params)
    for row in rows:  # Django reads jsonb as text, to decode it itself
        address = row["shipping_address"]
        row["shipping_address"] = json.loads(address) if isinstance(address, str) else address or {}
    return rows
