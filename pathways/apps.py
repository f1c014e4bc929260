from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = _("Care pathways")

    def ready(self):
        # Reminder rules register themselves on import.
        from pathways import wiring
        from pathways.episodes import rules as episode_rules  # noqa: F401
        from pathways.meetings import rules as meeting_rules  # noqa: F401
        from pathways.patients import rules as patient_rules  # noqa: F401
        from pathways.plan import rules as plan_rules  # noqa: F401

        wiring.register()
