"""`rqworker`: django-rq's worker command whose default worker class survives a lost Redis
(apps/ops/workers.py). With TASKS_BACKEND other than `rq` there is no queue on Redis to work."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

if "django_rq" in settings.INSTALLED_APPS:
    from django_rq.management.commands.rqworker import Command as LibraryCommand
    from django_rq.workers import get_worker_class

    from apps.ops.workers import resilient_rq_worker

    class Command(LibraryCommand):
        help = "Run an RQ worker (its loop starts again with backoff when Redis goes away)"

        def handle(self, *args, **options):
            options["worker_class"] = resilient_rq_worker(get_worker_class(options.get("worker_class")))
            return super().handle(*args, **options)
else:
    class Command(BaseCommand):
        help = "Run an RQ worker (needs TASKS_BACKEND=rq)"

        def add_arguments(self, parser):
            parser.add_argument("args", nargs="*")

        def handle(self, *args, **options):
            raise CommandError("rqworker needs TASKS_BACKEND=rq (and RQ_REDIS_URL or REDIS_URL); "
                               "with the database backend run `manage.py db_worker`.")
