# The tsvector gains the tenant lexeme ('#tenant <id>'), so full-text search filters by tenant
# inside the GIN index. PostgreSQL cannot change a generated column's expression in place: the
# column (and its GIN index) is dropped and added again, which recomputes it for every chunk.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0002_article_versions_sources_chunk_hashes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="chunk", name="chunk_search_vector_gin"),
        migrations.RemoveField(model_name="chunk", name="search_vector"),
        migrations.AddField(
            model_name="chunk",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.CombinedExpression(
                    django.contrib.postgres.search.SearchVector("heading", "text", config="english"),
                    "||",
                    models.Func(
                        django.db.models.functions.text.Concat(
                            models.Value("#tenant "),
                            django.db.models.functions.comparison.Cast("tenant_id", models.TextField()),
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                        template="array_to_tsvector(ARRAY[%(expressions)s])",
                    ),
                    output_field=django.contrib.postgres.search.SearchVectorField(),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="chunk",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="chunk_search_vector_gin"),
        ),
    ]
