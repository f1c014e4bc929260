from .careteam import BreakGlassAccess, CareTeamMember, Consent
from .notifications import Notification, Reminder
from .patient import NextOfKin, Patient, PatientGroupObjectPermission, PatientUserObjectPermission

__all__ = [
    "BreakGlassAccess",
    "CareTeamMember",
    "Consent",
    "NextOfKin",
    "Notification",
    "Patient",
    "PatientGroupObjectPermission",
    "PatientUserObjectPermission",
    "Reminder",
]
