"""Overview sections filled by the plan, meeting and discharge features."""


def plan(request, patient) -> dict:
    return {}


def meetings(request, patient) -> dict:
    return {}


def discharge(request, patient) -> dict:
    return {}
