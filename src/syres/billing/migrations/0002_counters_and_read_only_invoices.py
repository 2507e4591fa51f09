"""The number counters of both series, and the database triggers that make an issued invoice,
its lines and its VAT read-only (R-INV-3): only `rendered_at` of an invoice may change; no
invoice, line or VAT row may be deleted. On PostgreSQL and on SQLite alike."""

from django.db import migrations

LEGAL_FIELDS = (
    "customer_id",
    "kind",
    "series",
    "sequence",
    "number",
    "issue_date",
    "due_date",
    "period",
    "source",
    "run_id",
    "buyer_name",
    "total_excl_vat",
    "total_vat",
    "total_incl_vat",
    "prepaid_amount",
    "amount_due",
    "referenced_invoice_id",
    "referenced_number",
    "referenced_issue_date",
    "reason",
    "document",
    "issued_at",
)
MESSAGE = "R-INV-3: an issued invoice is read-only; correct it with a credit note"

_changed_sqlite = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in LEGAL_FIELDS)
_old_pg = ", ".join(f"OLD.{name}" for name in LEGAL_FIELDS)
_new_pg = ", ".join(f"NEW.{name}" for name in LEGAL_FIELDS)

SQLITE = [
    f"""CREATE TRIGGER billing_invoice_read_only BEFORE UPDATE ON billing_invoice
    WHEN {_changed_sqlite}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER billing_invoice_no_delete BEFORE DELETE ON billing_invoice
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
for table in ("billing_invoiceline", "billing_invoicevat"):
    SQLITE += [
        f"""CREATE TRIGGER {table}_read_only BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    ]
SQLITE.append(
    """CREATE TRIGGER billing_counter_never_back BEFORE UPDATE ON billing_numbercounter
    WHEN NEW.last_sequence < OLD.last_sequence
    BEGIN SELECT RAISE(ABORT, 'R-INV-3: a number counter never goes back'); END"""
)

POSTGRESQL = [
    f"""CREATE FUNCTION billing_invoice_read_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF ROW({_old_pg}) IS DISTINCT FROM ROW({_new_pg}) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER billing_invoice_read_only BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_read_only()""",
    f"""CREATE FUNCTION billing_row_read_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION billing_counter_never_back() RETURNS trigger AS $$
    BEGIN
        IF NEW.last_sequence < OLD.last_sequence THEN
            RAISE EXCEPTION 'R-INV-3: a number counter never goes back'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER billing_counter_never_back BEFORE UPDATE ON billing_numbercounter
    FOR EACH ROW EXECUTE FUNCTION billing_counter_never_back()""",
]
for table in ("billing_invoiceline", "billing_invoicevat"):
    POSTGRESQL.append(
        f"""CREATE TRIGGER {table}_read_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION billing_row_read_only()"""
    )


SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "billing_invoice_read_only",
        "billing_invoice_no_delete",
        "billing_invoiceline_read_only",
        "billing_invoiceline_no_delete",
        "billing_invoicevat_read_only",
        "billing_invoicevat_no_delete",
        "billing_counter_never_back",
    )
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS billing_invoice_read_only ON billing_invoice",
    "DROP TRIGGER IF EXISTS billing_invoiceline_read_only ON billing_invoiceline",
    "DROP TRIGGER IF EXISTS billing_invoicevat_read_only ON billing_invoicevat",
    "DROP TRIGGER IF EXISTS billing_counter_never_back ON billing_numbercounter",
    "DROP FUNCTION IF EXISTS billing_invoice_read_only()",
    "DROP FUNCTION IF EXISTS billing_row_read_only()",
    "DROP FUNCTION IF EXISTS billing_counter_never_back()",
]


def recreate_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Drop and create the triggers again. SQLite rebuilds a table (and loses its triggers)
    when a migration alters it: every such migration of billing ends with this."""
    vendor = schema_editor.connection.vendor
    for statement in SQLITE_DROP if vendor == "sqlite" else POSTGRESQL_DROP:
        schema_editor.execute(statement)
    create_triggers(apps, schema_editor)  # type: ignore[no-untyped-call]


def create_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = SQLITE
    elif vendor == "postgresql":
        statements = POSTGRESQL
    else:  # pragma: no cover - syres runs on SQLite or PostgreSQL only
        raise RuntimeError(f"no read-only triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def create_counters(apps, schema_editor):  # type: ignore[no-untyped-def]
    counter = apps.get_model("billing", "NumberCounter")
    for series in ("invoice", "credit_note"):
        counter.objects.get_or_create(series=series)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunPython(create_counters, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, migrations.RunPython.noop),
    ]
