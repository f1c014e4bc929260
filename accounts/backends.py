"""Two kinds of session: staff, and patients or pårørende (the /min/ pages).

The backend's path is stored in the session at login and used to load the user on every
request, so a patient account cannot open a staff session through the password form, and a
portal session is known as one without a query (``is_portal_session``).
"""

from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.utils import timezone

from accounts.models import Membership, UserIdentity
from accounts.units import MEMBERSHIP_ORDER
from config.prepared import prepared

PORTAL_BACKEND = "accounts.backends.PortalBackend"
PORTAL_KINDS = frozenset({UserIdentity.Kind.PATIENT, UserIdentity.Kind.NEXT_OF_KIN})


def identity_kind(user) -> str:
    try:
        return user.identity.kind
    except UserIdentity.DoesNotExist:
        return UserIdentity.Kind.STAFF


@prepared
def _active_memberships(user_id, today):
    """SQL made once: this runs on every staff request."""
    return (
        Membership.objects.active(today)
        .filter(user_id=user_id)
        .select_related("user__identity", "unit__organisation")
        .order_by(*MEMBERSHIP_ORDER)
    )


class StaffBackend(ModelBackend):
    """Django's password backend, for staff accounts only."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and identity_kind(user) not in PORTAL_KINDS

    def get_user(self, user_id):
        # Every staff page needs the unit the user acts for: read the user with their active
        # memberships in one query (``accounts.units.active_membership_for`` uses them).
        memberships = _active_memberships(user_id=int(user_id), today=timezone.localdate())
        if memberships:
            user = memberships[0].user
            for membership in memberships:
                membership.user = user
        else:
            user = (
                get_user_model()
                ._default_manager.select_related("identity")
                .filter(pk=user_id)
                .first()
            )
        if user is None or not self.user_can_authenticate(user):
            return None
        user.active_memberships = memberships
        return user


class PortalBackend(BaseBackend):
    """Loads patients and pårørende logged in through ID-porten (or the demo login).

    It authenticates nobody by itself: the login views call ``login(..., backend=PORTAL_BACKEND)``
    after the identity provider (or the demo password) has said who the person is.
    """

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("identity")
            .filter(pk=user_id, is_active=True)
            .first()
        )
        return user if user is not None and identity_kind(user) in PORTAL_KINDS else None


def is_portal_session(request) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) == PORTAL_BACKEND
