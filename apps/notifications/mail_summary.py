"""Development mail: one line per message on the console instead of the whole MIME text, so the
demo's output stays readable. The message itself is in the notification log: `manage.py show_mail`
prints it; EMAIL_URL=consolemail:// prints every message whole instead."""
import sys
import threading

from django.core.mail.backends.base import BaseEmailBackend

NOTIFICATION_HEADER = "X-Backoffice-Notification"


def summary_line(message) -> str:
    subject = " ".join(str(message.subject).split())
    notification = message.extra_headers.get(NOTIFICATION_HEADER)
    full = f"manage.py show_mail {notification}" if notification else "EMAIL_URL=consolemail://"
    return f"mail to {', '.join(message.to)}: {subject}  (full text: {full})"


class SummaryEmailBackend(BaseEmailBackend):
    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages) -> int:
        with self._lock:
            for message in email_messages:
                self.stream.write(summary_line(message) + "\n")
            self.stream.flush()
        return len(email_messages)
