"""A mail backend for the benchmark's Celery worker: builds each message as SMTP would send it
(the MIME bytes) and then drops it.

Django's locmem backend keeps every message in ``mail.outbox`` for the life of the process;
a sweep that mails 30,000 notifications then holds them all, and the worker's measured memory
is the outbox's rather than the worker's. A real SMTP backend keeps nothing after sending."""

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            message.message().as_bytes()
        return len(email_messages)
