from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from pathways.overview import EPISODE_SECTIONS
from pathways.worklist import register_home_source


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        # Imported here, not at the top: these modules import the models, which must be loaded.
        # Reminder rules register themselves on import.
        from referrals import rules, section  # noqa: F401

        # The treatment episode page shows the referral it came from.
        if section.episode_section not in EPISODE_SECTIONS:
            EPISODE_SECTIONS.append(section.episode_section)
        # "Til behandling" shows questions to answer and referrals near their deadline.
        register_home_source("referrals.worklist.questions")
        register_home_source("referrals.worklist.deadlines")
