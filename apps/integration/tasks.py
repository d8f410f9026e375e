from django_tasks import task


@task()
def deliver_webhooks():
    """One fan-out and send pass (enqueued after each committed event; `db_worker` runs it)."""
    from .delivery_engine import run_pass

    return run_pass()
