"""Who is acting: the one argument every service takes for the person behind a change.

A user acts for one unit at a time (the active unit); their roles are those of their active
membership in that unit. Views build it once per request (``request.actor``); services, tasks
and demo code build it with ``Actor(user, unit)``.
"""

from functools import cached_property

from accounts.models import Membership


class Actor:
    __slots__ = ("user", "unit", "__dict__")

    def __init__(self, user, unit=None, *, memberships=None):
        self.user = user
        # An unset lazy active unit (no membership) counts as no unit.
        self.unit = unit or None
        if memberships is not None and self.unit is not None:
            # The request's memberships are loaded already: the roles cost no query.
            self.roles = frozenset(m.role for m in memberships if m.unit_id == self.unit.pk)

    @classmethod
    def of(cls, request) -> "Actor":
        unit = getattr(request, "active_unit", None) or None
        return cls(request.user, unit, memberships=getattr(request, "memberships", None))

    def __repr__(self) -> str:
        return f"Actor({self.user!r}, {self.unit!r})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Actor)
            and self.user_id == other.user_id
            and self.unit_id == other.unit_id
        )

    def __hash__(self) -> int:
        return hash((self.user_id, self.unit_id))

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)

    @property
    def unit_id(self):
        return self.unit.pk if self.unit is not None else None

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's roles in the unit they act for (one query, on first use)."""
        if self.unit is None or not getattr(self.user, "is_authenticated", False):
            return frozenset()
        return frozenset(
            Membership.objects.active()
            .filter(user=self.user, unit=self.unit)
            .values_list("role", flat=True)
        )

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def has(self, roles) -> bool:
        """Any of a set of roles (``ASSESS_ROLES`` and the like)."""
        return bool(self.roles.intersection(roles))

    @property
    def is_system(self) -> bool:
        """A change made by the system (a periodic job), not by a person."""
        return self.user is None

    @property
    def is_leader(self) -> bool:
        return self.has_role(Membership.Role.LEADER)

    @property
    def is_specialist(self) -> bool:
        return self.unit is not None and self.unit.is_specialist

    @property
    def is_kommune(self) -> bool:
        return self.unit is not None and self.unit.is_kommune


# Changes made by periodic jobs and data migrations: no person, no unit.
SYSTEM = Actor(None)
