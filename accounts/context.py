"""Per-request context (request id, client address) for audit entries written by services."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


EMPTY = RequestContext()
current: ContextVar[RequestContext] = ContextVar(
    "samhandling_request_context",
    default=EMPTY,  # noqa: B039 - frozen, never mutated
)
