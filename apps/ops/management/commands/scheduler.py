import signal

from django.core.management.base import BaseCommand, CommandError

from apps.ops.schedule import configured_jobs
from apps.ops.scheduler import Scheduler


class Command(BaseCommand):
    help = ("Run the periodic jobs (webhook delivery passes, SLA and approval sweeps, access expiry, "
            "policy reviews, purges). Safe to run more than one: each tick runs once.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run the jobs that are due now, then exit")
        parser.add_argument("--only", action="append", default=[], metavar="JOB", help="run only this job (repeatable)")
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args, **opts):
        jobs = configured_jobs()
        if opts["only"]:
            unknown = set(opts["only"]) - {job.name for job in jobs}
            if unknown:
                raise CommandError(f"unknown job(s): {', '.join(sorted(unknown))}")
            jobs = [job for job in jobs if job.name in opts["only"]]
        if opts["list"]:
            for job in jobs:
                self.stdout.write(f"{job.name}: every {job.every}s" + (f" at +{job.offset}s" if job.offset else ""))
            return
        scheduler = Scheduler(jobs)
        if opts["once"]:
            ran = scheduler.tick()
            self.stdout.write(f"ran {len(ran)} jobs: {', '.join(ran) or '-'}")
            return
        signal.signal(signal.SIGTERM, scheduler.stop)
        signal.signal(signal.SIGINT, scheduler.stop)
        scheduler.run_forever()
