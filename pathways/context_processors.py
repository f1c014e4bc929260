from django.utils.functional import SimpleLazyObject

from .models import Notification


def notifications(request):
    """The header's unread count: one indexed COUNT, run only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        )
    }
