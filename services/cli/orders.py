"""`jobbro orders …`: what the beat schedule runs, by hand, and the overdue list."""

import typer
from rich.console import Console

console = Console()
app = typer.Typer(help="Job orders: reminders and notifications.", no_args_is_help=True)


@app.command("remind-overdue")
def remind_overdue() -> None:
    """Remind owners of orders past their processing deadline (what the beat schedule runs)."""
    from services.joborders.tasks import remind_overdue as task

    sent = task.apply().get()
    console.print(f"Sent {sent} new overdue reminder(s)")


@app.command("close-expired")
def close_expired() -> None:
    """Close orders whose placement deadline has passed (as "closed, deadline expired")."""
    from services.joborders.tasks import close_expired as task

    console.print(f"Closed {task.apply().get()} order(s) past their placement deadline")


@app.command("overdue")
def list_overdue() -> None:
    """List orders past their processing deadline with no mediation action yet."""
    from rich.table import Table
    from sqlalchemy import select

    from services.joborders.models import JobOrder
    from services.joborders.orders.deadlines import overdue_condition, today
    from shared import db

    table = Table(title="Jobordrer over behandlingstiden")
    for col in ("order", "employer", "title", "deadline", "owner"):
        table.add_column(col)
    with db.unit_of_work() as session:
        stmt = select(JobOrder).where(overdue_condition(today()))
        for order in session.scalars(stmt.order_by(JobOrder.processing_deadline)).unique():
            table.add_row(
                str(order.id)[:8],
                order.employer_name,
                order.title,
                order.processing_deadline.isoformat(),
                order.owner.email,
            )
    console.print(table)
