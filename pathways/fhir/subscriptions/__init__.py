"""FHIR R4 Subscriptions (rest-hook) to changes of Task and CarePlan.

``changes`` writes a change row (the outbox) in the transaction that changes a watched model;
``delivery`` fans the rows out to the subscriptions whose client sees the patient and posts
signed notification Bundles from the Celery worker (``tasks``); ``resource`` maps the
Subscription resource, ``services`` creates and deletes it, ``api`` serves it.
"""
