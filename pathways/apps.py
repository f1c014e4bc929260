from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = _("Care pathways")

    def ready(self):
        # Imported here, not at the top: these modules import the models, which must be loaded.
        # Reminder rules and periodic jobs register themselves on import; jobs run in the order
        # they register, so consent expiry comes first, as it always has.
        # isort: off
        from pathways.patients import rules as patient_rules  # noqa: F401
        from pathways.episodes import rules as episode_rules  # noqa: F401
        from pathways.meetings import rules as meeting_rules  # noqa: F401
        from pathways.plan import rules as plan_rules  # noqa: F401

        # isort: on
        from pathways import formkeys, wiring
        from pathways.documents import tasks as document_tasks  # noqa: F401 (registers)
        from pathways.fhir import resources as fhir_resources
        from pathways.fhir import transaction as fhir_transaction
        from pathways.notifications import reminders, tasks
        from pathways.portal import notices

        # Keys of saved forms go once they are too old to be accepted (pathways/formkeys.py).
        reminders.periodic("form_keys_expire")(formkeys.expire_form_keys)
        # So are the keys of Bundles sent to the FHIR API, after KEEP_DAYS.
        reminders.periodic("fhir_transactions_expire")(fhir_transaction.expire_transactions)

        # Email for new notifications: queued after commit. Importing the tasks module here
        # also registers the Celery tasks in every process (Celery's autodiscovery finds only
        # an app's top-level ``tasks`` module, and these live in pathways.notifications).
        if tasks.queue_urgent_email not in reminders.ON_NOTIFIED:
            reminders.ON_NOTIFIED.append(tasks.queue_urgent_email)
        # The neutral notice to the patient and pårørende, queued after commit the same way.
        if tasks.queue_portal_notices not in notices.QUEUE:
            notices.QUEUE.append(tasks.queue_portal_notices)
        wiring.register()
        # The FHIR resource types of pathways' own models (referrals add theirs).
        fhir_resources.register_all()
