"""Registers pathways' resource types (called from ``PathwaysConfig.ready()``)."""

from pathways.fhir.mapping import (
    auditlog,
    directory,
    documents,
    episodes,
    meetings,
    patient,
    plan,
)
from pathways.fhir.registry import register


def register_all() -> None:
    for module in (directory, patient, episodes, plan, meetings, auditlog, documents):
        for resource in module.RESOURCES:
            register(resource)
