from django.urls import path

from pathways.notifications import views as notifications

app_name = "notifications"

urlpatterns = [
    path("", notifications.notification_list, name="list"),
    path("alle-lest/", notifications.notifications_read_all, name="read_all"),
    path("innstillinger/", notifications.notification_settings, name="settings"),
    path("<int:notification_id>/", notifications.notification_open, name="open"),
    path("<int:notification_id>/lest/", notifications.notification_read, name="read"),
]
