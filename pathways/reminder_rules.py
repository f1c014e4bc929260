"""Reminder rules for objects in the pathways app (see pathways/reminders.py)."""
