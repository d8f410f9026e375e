from django_tasks import task


@task()
def provision_access(request_id: str) -> str:
    """One step of a catalog access request's provisioning (apps/operations/provisioning.py): grant,
    remove or assert it in the target through its connector. Safe to run twice or concurrently."""
    from .provisioning import provisioning_run

    return provisioning_run(request_id)
