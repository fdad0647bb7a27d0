# Document frequency per tenant and lexeme (knowledge.models.LexemeCount), kept by statement-level
# triggers on knowledge_chunk that read the statement's transition tables: one aggregate per
# statement, so a bulk COPY or a cascaded delete costs one pass, and no write path can forget it.
# Lexemes are upserted in (tenant, lexeme) order, so concurrent writers lock rows in one order.

import django.db.models.deletion
from django.db import migrations, models


FUNCTION = """
CREATE FUNCTION knowledge_chunk_count_lexemes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE knowledge_lexemecount s SET passages = s.passages - d.n
        FROM (
            SELECT o.tenant_id, lexeme, count(*) AS n
            FROM old_rows o, unnest(tsvector_to_array(o.search_vector)) lexeme
            GROUP BY 1, 2
        ) d
        WHERE s.tenant_id = d.tenant_id AND s.lexeme = d.lexeme;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO knowledge_lexemecount AS s (tenant_id, lexeme, passages)
        SELECT n.tenant_id, lexeme, count(*)
        FROM new_rows n, unnest(tsvector_to_array(n.search_vector)) lexeme
        GROUP BY 1, 2
        ORDER BY 1, 2
        ON CONFLICT (tenant_id, lexeme) DO UPDATE SET passages = s.passages + EXCLUDED.passages;
    END IF;
    RETURN NULL;
END
$$;
"""

TRIGGERS = [
    FUNCTION,
    "CREATE TRIGGER knowledge_chunk_lexemes_insert AFTER INSERT ON knowledge_chunk "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION knowledge_chunk_count_lexemes()",
    "CREATE TRIGGER knowledge_chunk_lexemes_update AFTER UPDATE ON knowledge_chunk "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION knowledge_chunk_count_lexemes()",
    "CREATE TRIGGER knowledge_chunk_lexemes_delete AFTER DELETE ON knowledge_chunk "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION knowledge_chunk_count_lexemes()",
    # the chunks already written
    "INSERT INTO knowledge_lexemecount (tenant_id, lexeme, passages) "
    "SELECT c.tenant_id, lexeme, count(*) FROM knowledge_chunk c, unnest(tsvector_to_array(c.search_vector)) lexeme "
    "GROUP BY 1, 2",
]

DROP_TRIGGERS = [
    "DROP TRIGGER knowledge_chunk_lexemes_insert ON knowledge_chunk",
    "DROP TRIGGER knowledge_chunk_lexemes_update ON knowledge_chunk",
    "DROP TRIGGER knowledge_chunk_lexemes_delete ON knowledge_chunk",
    "DROP FUNCTION knowledge_chunk_count_lexemes()",
    "DELETE FROM knowledge_lexemecount",
]


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0003_chunk_search_vector_tenant_lexeme"),
        ("tenants", "0006_email_sms_channels"),
    ]

    operations = [
        migrations.CreateModel(
            name="LexemeCount",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "tenant", "lexeme", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("lexeme", models.TextField()),
                ("passages", models.IntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenants.tenant"
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.RunSQL(sql=TRIGGERS, reverse_sql=DROP_TRIGGERS),
    ]
