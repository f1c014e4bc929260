"""Documents rendered away from the web workers.

A PDF that is not kept yet is rendered by the documents worker (its own Celery queue,
``documents``, one render at a time at a lower CPU priority), while the request answers at once
with a page that refreshes until the PDF is kept. A burst of prints before a meeting then waits
in that queue instead of holding every web worker, and the other pages keep their speed.
"""
