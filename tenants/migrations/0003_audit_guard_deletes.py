from django.db import migrations

# Append-only, with one exception: when a staff user is deleted, their events keep the
# actor's name in actor_label and lose only the link (actor_user_id set to NULL).
FORWARD = """
CREATE OR REPLACE FUNCTION tenants_auditevent_refuse_update() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_user_id IS NULL
       AND to_jsonb(NEW) - 'actor_user_id' = to_jsonb(OLD) - 'actor_user_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tenants_auditevent_no_delete
    BEFORE DELETE ON tenants_auditevent
    FOR EACH ROW EXECUTE FUNCTION tenants_auditevent_refuse_update();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS tenants_auditevent_no_delete ON tenants_auditevent;
CREATE OR REPLACE FUNCTION tenants_auditevent_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_audit_append_only")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
