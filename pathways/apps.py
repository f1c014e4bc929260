from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = _("Care pathways")

    def ready(self):
        # Reminder rules register themselves on import.
        from . import reminder_rules, wiring  # noqa: F401

        wiring.register()
