from django.utils.functional import SimpleLazyObject

from pathways.notifications import selectors


def notifications(request):
    """The header's unread count: one primary-key read, run only when a template shows it
    (a view that has read it already puts it in its own context)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread(user.pk))}


# Which header link is the current page's (aria-current): by view name, then by app.
NAV_BY_VIEW = {
    "home": "home",
    "pathways:lookup": "lookup",
    "pathways:break_glass": "lookup",
    "pathways:my_plans": "my_plans",
    "tasks": "tasks",
    "discharge_statistics": "discharge_statistics",
    "breakglass_review": "breakglass_review",
    "breakglass_review_mark": "breakglass_review",
    "places": "places",
    "place_capacity": "places",
    "joint_intake": "places",
}
NAV_BY_APP = {"pathways": "patients", "referrals": "referrals", "notifications": "notifications"}


def navigation(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {"nav_current": ""}
    current = NAV_BY_VIEW.get(match.view_name) or NAV_BY_APP.get(match.app_name, "")
    return {"nav_current": current}
