"""Which unit a user acts for."""

from accounts.models import Membership

SESSION_KEY = "active_membership_id"
# The order units are listed and the first one chosen in.
MEMBERSHIP_ORDER = ("unit__organisation__name", "unit__name")


def memberships_for(user):
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("unit__organisation")
        .order_by(*MEMBERSHIP_ORDER)
    )


def active_membership_for(request):
    """The membership chosen in the session, else the user's first active one."""
    user = request.user
    if not user.is_authenticated:
        return None
    # The staff backend read them with the user (one query for both).
    memberships = getattr(user, "active_memberships", None)
    if memberships is None:
        memberships = list(memberships_for(user))
    request.memberships = memberships
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0] if memberships else None
