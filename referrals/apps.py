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
        from pathways.episodes.services import EPISODE_ENDED, EPISODE_STARTED
        from pathways.fhir.subscriptions.changes import watch
        from referrals import fhir, fhir_import, rules, section, services  # noqa: F401
        from referrals.models import Referral

        # The treatment episode page shows the referral it came from.
        if section.episode_section not in EPISODE_SECTIONS:
            EPISODE_SECTIONS.append(section.episode_section)
        # Admission moves the referral off the waiting list; discharge completes it.
        for hooks, func in (
            (EPISODE_STARTED, services.on_episode_started),
            (EPISODE_ENDED, services.on_episode_ended),
        ):
            if func not in hooks:
                hooks.append(func)
        # The API serves referrals as ServiceRequest + Task.
        fhir.register_all()
        # and takes referrals in from record systems as transaction Bundles.
        fhir_import.register()
        # A FHIR subscriber hears of each saved change of a sent referral as a change of its Task.
        watch(Referral, "Task", fhir.task_change)
        # "Til behandling" shows questions to answer and referrals near their deadline.
        register_home_source("referrals.worklist.questions")
        register_home_source("referrals.worklist.deadlines")
