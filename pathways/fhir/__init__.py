"""The FHIR R4 API at ``/fhir/R4/``: read and search, for system clients.

``registry`` holds the resource types; ``mapping/`` turns our models into resources (the
referral types live in ``referrals/fhir.py`` and register themselves from
``ReferralsConfig.ready()``); ``auth`` checks the bearer token; ``search`` builds Bundles.
"""
