from .careteam import BreakGlassAccess, CareTeamMember, Consent
from .notifications import Notification, NotificationPreference, Reminder
from .patient import NextOfKin, Patient, PatientGroupObjectPermission, PatientUserObjectPermission

__all__ = [
    "BreakGlassAccess",
    "CareTeamMember",
    "Consent",
    "NextOfKin",
    "Notification",
    "NotificationPreference",
    "Patient",
    "PatientGroupObjectPermission",
    "PatientUserObjectPermission",
    "Reminder",
]
