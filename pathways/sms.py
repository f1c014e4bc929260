"""Text messages (SMS), chosen like Django's email backends: ``SMS_BACKEND`` names a class.

The interface a real gateway implements is ``BaseSmsBackend``: ``send_messages(messages)``
takes ``SmsMessage`` objects (a number and a text) and returns how many were sent; it raises
on a failure unless ``fail_silently``. A gateway backend reads its own credentials from the
environment. None is shipped: ``ConsoleBackend`` writes to stdout (``make run``),
``LocmemBackend`` keeps messages in ``outbox`` (tests), ``DisabledBackend`` (the default
without DEBUG) sends nothing and logs that no gateway is configured.
"""

import logging
import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# What LocmemBackend has sent, like django.core.mail.outbox; tests empty it.
outbox: list["SmsMessage"] = []


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SmsMessage]) -> int:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    _lock = threading.RLock()

    def send_messages(self, messages):
        with self._lock:
            for message in messages:
                sys.stdout.write(f"SMS to {message.to}:\n{message.body}\n{'-' * 40}\n")
            sys.stdout.flush()
        return len(messages)


class LocmemBackend(BaseSmsBackend):
    def send_messages(self, messages):
        outbox.extend(messages)
        return len(messages)


class DisabledBackend(BaseSmsBackend):
    def send_messages(self, messages):
        if messages:
            log.warning("No SMS gateway configured (SMS_BACKEND): %d SMS not sent.", len(messages))
        return 0


def get_backend(fail_silently: bool = False) -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)(fail_silently=fail_silently)


def send_sms(to: str, body: str, *, fail_silently: bool = False) -> int:
    return get_backend(fail_silently).send_messages([SmsMessage(to=to, body=body)])
