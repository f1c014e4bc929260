from django.conf import settings


def session_context(request):
    membership = getattr(request, "active_membership", None)
    membership = membership if membership else None
    return {
        "active_membership": membership,
        "active_unit": membership.unit if membership else None,
        "user_memberships": getattr(request, "memberships", []),
        "version": settings.VERSION,
    }
