"""`syres orders`: the quote PDF and the orders by planned date."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from syres.cli.django_setup import setup_django


@click.group(name="orders")
def orders_group() -> None:
    """Quotes and orders (R-ORD-1 … R-ORD-7)."""


@orders_group.command(name="quote-pdf")
@click.argument("number")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None)
def quote_pdf_command(number: str, out: Path | None) -> None:
    """Write the PDF of quote NUMBER (default file: NUMBER.pdf)."""
    setup_django()
    from syres.orders.selectors import get_quote_by_number, quote_pdf

    quote = get_quote_by_number(number=number)
    if quote is None:
        raise click.ClickException(f"Devis inconnu : {number}")
    target = out or Path(f"{quote.number}.pdf")
    target.write_bytes(quote_pdf(quote_id=quote.pk))
    click.echo(f"{quote.number} → {target}")


@orders_group.command(name="planned")
def planned_command() -> None:
    """Live orders by planned intervention date, with why each one waits."""
    setup_django()
    from django.utils import timezone

    from syres.orders.selectors import intervention_plan_of, orders_by_planned_date

    today = timezone.localdate()
    for order in orders_by_planned_date():
        plan = intervention_plan_of(order_id=order.pk, as_of=today)
        waiting = " ; ".join(plan.waiting_reasons) or "—"
        click.echo(
            f"{plan.planned_date:%d/%m/%Y}  {order.number}  {order.get_state_display():<30} "
            f"{order.customer}  en attente : {waiting}"
        )


@orders_group.command(name="quotes")
def quotes_command() -> None:
    """Quotes, newest first, with whether each one can still be ordered today (R-ORD-1)."""
    setup_django()
    from django.utils import timezone

    from syres.orders.selectors import list_quotes, quote_is_orderable

    today = timezone.localdate()
    for quote in list_quotes():
        if hasattr(quote, "order"):
            status = f"commandé ({quote.order.number})"
        elif quote_is_orderable(quote_id=quote.pk, on=today):
            status = f"valable jusqu'au {quote.expires_on - timedelta(days=1):%d/%m/%Y} inclus"
        else:
            status = "expiré"
        click.echo(f"{quote.number}  {quote.quote_date:%d/%m/%Y}  {quote.customer}  {status}")
