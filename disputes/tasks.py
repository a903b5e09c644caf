from __future__ import annotations

from celery import shared_task


@shared_task(name="disputes.tasks.warning_scan")
def warning_scan() -> str:
    """Every 15 minutes: the warnings owed now, each raised once (see disputes/warnings.py)."""
    from disputes.warnings import run_warning_scan

    return str(run_warning_scan())


@shared_task(name="disputes.tasks.process_work_order")
def process_work_order(order_id: int) -> str:
    """A work order just received from another system, turned into a case (disputes/workorders.py)."""
    from disputes.models import InboundOrder
    from disputes.workorders import process

    order = InboundOrder.objects.filter(pk=order_id).first()
    return process(order).state if order is not None else "missing"


@shared_task(name="disputes.tasks.work_order_beat")
def work_order_beat() -> str:
    """Every minute: orders the broker lost (received, not processed) and the callbacks due."""
    from disputes.workorders import send_due, sweep

    swept = sweep()
    return f"swept {swept}, callbacks {send_due()}"
