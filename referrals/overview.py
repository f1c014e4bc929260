"""The referrals section of the patient overview."""


def section(request, patient) -> dict:
    return {}
