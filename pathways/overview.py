"""The pathway overview is built from sections; each feature contributes one.

A section is ``func(request, patient) -> dict`` whose result is merged into the page
context; its template is included from ``templates/pathways/overview.html``.
Each section should cost a fixed number of queries.
"""

from django.utils.module_loading import import_string

SECTIONS = [
    "referrals.section.section",
    "pathways.plan.section.section",
    "pathways.meetings.section.section",
    "pathways.episodes.section.section",
    "pathways.dialogue.section.section",
]


def section_context(request, patient) -> dict:
    context = {}
    for path in SECTIONS:
        context.update(import_string(path)(request, patient))
    return context


# Sections other apps add to the treatment episode page: ``func(request, episode) -> dict |
# None``; a dict names its ``template`` (included with the dict as ``section``). Apps that
# pathways must not import (referrals) append theirs in their AppConfig.ready().
EPISODE_SECTIONS: list = []


def episode_sections(request, episode) -> list[dict]:
    found = (func(request, episode) for func in EPISODE_SECTIONS)
    return [section for section in found if section]
