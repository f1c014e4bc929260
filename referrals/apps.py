from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        # Reminder rules register themselves on import.
        from pathways.overview import EPISODE_SECTIONS
        from referrals import rules, section  # noqa: F401

        # The treatment episode page shows the referral it came from.
        if section.episode_section not in EPISODE_SECTIONS:
            EPISODE_SECTIONS.append(section.episode_section)
