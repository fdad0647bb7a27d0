from django.db.migrations.loader import MigrationLoader
from pgvector.django import VectorField

EXTENSION = ("knowledge", "0001_initial")


def test_every_vector_column_is_created_after_the_vector_extension():
    """On a fresh database the migrations run in dependency order only: a vector column in a
    migration that does not depend on the extension's migration fails there (and only there)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key, migration in loader.disk_migrations.items():
        fields = [
            field
            for operation in migration.operations
            for field in [getattr(operation, "field", None), *(f for _, f in getattr(operation, "fields", []))]
            if isinstance(field, VectorField)
        ]
        if fields and key != EXTENSION:
            assert EXTENSION in loader.graph.forwards_plan(key), f"{key} needs a dependency on {EXTENSION}"
