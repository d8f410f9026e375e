"""`db_worker`: django-tasks-db's worker, kept alive through a lost database (apps/ops/workers.py).
It takes this name so that the Procfile, compose and every deployment run it unchanged; settings
put `apps.ops` before `django_tasks_db` so that this command is the one Django finds."""
import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as library

from apps.ops.workers import resilient_db_worker

Worker = resilient_db_worker(library.Worker)


class Command(library.Command):
    help = "Run a database background worker (reconnects with backoff when the database goes away)"

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool, backend_name: str,
               startup_delay: bool, reload: bool, max_tasks: int | None, worker_id: str, exclude_queues: str,
               **options) -> None:
        self.configure_logging(verbosity)
        reload = reload and not batch
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
                        startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
                        excluded_queue_names=excluded)
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
