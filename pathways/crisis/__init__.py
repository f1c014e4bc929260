"""The patient's one crisis plan: warning signs, what helps, who to call.

The individuell plan and the ettervern plan both show it and both open the same form; a save
over someone else's is refused (``version``). Other features are told of each change through
``services.CRISIS_CHANGED`` (the individuell plan records it in its history).
"""
