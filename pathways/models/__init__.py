from .careteam import BreakGlassAccess, CareTeamMember, Consent
from .discharge import (
    EttervernPlan,
    FollowUpAppointment,
    KommuneMessage,
    KommuneMove,
    PlanningMeeting,
    TreatmentEpisode,
)
from .meetings import (
    ActionItem,
    Addendum,
    AgendaItem,
    Attendance,
    GroupMember,
    Invitation,
    Meeting,
    ResponsibilityGroup,
)
from .notifications import Notification, NotificationPreference, Reminder
from .patient import NextOfKin, Patient, PatientGroupObjectPermission, PatientUserObjectPermission

__all__ = [
    "ActionItem",
    "Addendum",
    "AgendaItem",
    "Attendance",
    "GroupMember",
    "Invitation",
    "Meeting",
    "ResponsibilityGroup",
    "BreakGlassAccess",
    "CareTeamMember",
    "Consent",
    "EttervernPlan",
    "FollowUpAppointment",
    "KommuneMessage",
    "KommuneMove",
    "NextOfKin",
    "Notification",
    "NotificationPreference",
    "Patient",
    "PatientGroupObjectPermission",
    "PatientUserObjectPermission",
    "PlanningMeeting",
    "Reminder",
    "TreatmentEpisode",
]
