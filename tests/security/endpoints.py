"""Every URL of the project, found by walking the resolver, and how to fill in its kwargs.

New features need no change here unless their URLs take a new kind of id: then add a factory
to OBJECTS (and, when the view is not decorated with ``@patient_view``, classify it in
EDIT_VIEWS / KOMMUNE_ONLY / EXPECT below). A URL whose kwargs cannot be filled fails the
security tests with a message saying so, so nothing new goes untested by accident.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from accounts.acting import Actor

# Namespaces and URL names that hold no patient data or are Django's own; and the FHIR API,
# whose callers are systems with bearer tokens, not session users: its own access matrix is
# tests/pathways/fhir/test_access.py.
EXCLUDED_NAMESPACES = {"admin", "fhir"}
PORTAL = "portal"


@dataclass
class Cast:
    """The people and the patient every endpoint is tried with (see tests/conftest.py).

    ``patient`` is registered by Vadsø's rus/psykisk helse unit and shared by consent with
    UNN TSB døgn. ``glass_user`` works in another helseforetak and has opened the record
    with break-the-glass. ``extra`` is a scratch space for factories (objects they made).
    """

    patient: object
    coordinator: object
    colleague: object
    tsb_clinician: object
    other_kommune_user: object
    other_hf_user: object
    glass_user: object
    vadso_rus: object
    unn_tsb: object
    extra: dict = field(default_factory=dict)


def _patient_id(cast: Cast):
    return cast.patient.pk


# --- discharge ---------------------------------------------------------------------------


def _episode(cast: Cast):
    """A TSB døgn stay at UNN with an admission message to Vadsø and an ettervern plan."""
    if "episode" not in cast.extra:
        import datetime

        from django.utils import timezone

        from pathways.episodes import services as discharge
        from pathways.models import TreatmentEpisode

        episode = discharge.episode_start(
            patient=cast.patient,
            actor=Actor(cast.tsb_clinician, cast.unn_tsb),
            kind=TreatmentEpisode.Kind.DOGN,
            started_at=timezone.now() - datetime.timedelta(days=10),
            planned_end=timezone.localdate() + datetime.timedelta(days=5),
            send_admission_message=True,
        )
        discharge.plan_start(episode=episode, actor=Actor(cast.tsb_clinician, cast.unn_tsb))
        cast.extra["episode"] = episode
    return cast.extra["episode"]


def _kommune_message(cast: Cast):
    from pathways.models import KommuneMessage

    return KommuneMessage.objects.filter(episode=_episode(cast)).order_by("pk").first().pk


def _appointment(cast: Cast):
    import datetime

    from django.utils import timezone

    from pathways.episodes import services as discharge

    return discharge.follow_up_add(
        episode=_episode(cast),
        actor=Actor(cast.coordinator, cast.vadso_rus),
        at=timezone.now() - datetime.timedelta(days=1),
        with_whom="Kari, ruskonsulent",
        is_first_kommune=True,
    ).pk


def _kommune_move(cast: Cast):
    import datetime

    from django.utils import timezone

    from pathways.episodes import services as discharge
    from tests.factories import make_org, make_unit

    nordkapp = make_unit(make_org("Nordkapp kommune"), name="Rus og psykisk helse Nordkapp")
    today = timezone.localdate()
    return discharge.kommune_move_start(
        patient=cast.patient,
        actor=Actor(cast.coordinator, cast.vadso_rus),
        to_unit=nordkapp,
        handover_date=today + datetime.timedelta(days=7),
        consent_given_on=today,
    ).pk


# --- notifications -------------------------------------------------------------------------


def _notification(cast: Cast):
    """A notification about the patient to the registering unit's coordinator."""
    from pathways.notifications.reminders import notify

    (note,) = notify(
        users=[cast.coordinator],
        kind="security_matrix",
        title="Ny melding om pasienten",
        url=f"/pasienter/{cast.patient.pk}/",
        patient=cast.patient,
    )
    return note.pk


# --- patient details, consent, care team, break-the-glass ----------------------------------


def _next_of_kin(cast: Cast):
    from pathways.models import NextOfKin
    from pathways.patients.services.patients import next_of_kin_save

    return next_of_kin_save(
        patient=cast.patient,
        actor=Actor(cast.coordinator, cast.vadso_rus),
        instance=NextOfKin(name="Randi Nordmann", relation="Mor", phone="90000001"),
    ).pk


def _consent(cast: Cast):
    return cast.patient.consents.order_by("pk").first().pk


def _care_team_member(cast: Cast):
    from pathways.models import CareTeamMember

    return CareTeamMember.objects.get(patient=cast.patient, unit=cast.unn_tsb, ended_at=None).pk


def _glass_grant(cast: Cast):
    from pathways.models import BreakGlassAccess

    return BreakGlassAccess.objects.get(patient=cast.patient, user=cast.glass_user).pk


# --- individual plan -------------------------------------------------------------------------


def _plan(cast: Cast):
    """An open individual plan with Vadsø's coordinator as koordinator."""
    if "plan" not in cast.extra:
        from tests.pathways.plan.setup import start_plan

        cast.extra["plan"] = start_plan(cast.patient, cast.coordinator, cast.vadso_rus)
    plan = cast.extra["plan"]
    plan.refresh_from_db()
    return plan


def _goal(cast: Cast):
    from tests.pathways.plan.setup import add_goal

    return add_goal(_plan(cast), cast.coordinator, cast.vadso_rus).pk


def _goal_proposal(cast: Cast):
    """A goal the patient proposed from /min/, waiting for the koordinator's answer."""
    from pathways.models import GoalProposal

    return GoalProposal.objects.create(
        plan=_plan(cast), text="Jeg vil trene to ganger i uka.", proposed_by=cast.coordinator
    ).pk


def _portal_grant(cast: Cast):
    """A pårørende's access to the patient's meetings, given by the patient in /min/."""
    import datetime

    from django.utils import timezone

    from pathways.models import NextOfKin, PortalAccess
    from pathways.patients.demo_ids import synthetic_id
    from pathways.portal import grants
    from pathways.portal import services as portal

    access = portal.portal_access_open(
        actor=Actor(cast.coordinator, cast.vadso_rus), patient=cast.patient, reason="Ønsket"
    )
    user = portal.portal_login(portal_access=access, level="test", method="test")
    kin = NextOfKin.objects.create(patient=cast.patient, name="Mor Matrise", relation="mor")
    return grants.next_of_kin_grant(
        portal_access=access,
        actor=Actor(user),
        next_of_kin=kin,
        national_id=synthetic_id(datetime.date(1961, 2, 3), serial=9),
        parts=[PortalAccess.Part.MEETINGS],
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    ).pk


def _access_question(cast: Cast):
    """The patient's "Spør hvorfor" about UNN TSB døgn's reads this month. That unit has no
    leader in the cast, so the koordinator (Vadsø's coordinator, through the plan) answers."""
    from django.utils import timezone

    from pathways.models import AccessQuestion

    _plan(cast)
    return AccessQuestion.objects.create(
        patient=cast.patient,
        month=timezone.localdate().replace(day=1),
        read_by=cast.tsb_clinician,
        unit=cast.unn_tsb,
        basis="care_team",
        question="Hvorfor leste han journalen min?",
        asked_by=cast.coordinator,
    ).pk


def _measure(cast: Cast):
    from tests.pathways.plan.setup import add_measure

    return add_measure(_plan(cast), cast.coordinator, cast.vadso_rus).pk


def _participant(cast: Cast):
    from pathways.models import Participant
    from pathways.plan import services as plans

    plan = _plan(cast)
    return plans.participant_save(
        plan=plan,
        actor=Actor(cast.coordinator, cast.vadso_rus),
        data={"kind": Participant.Kind.UNIT, "unit": cast.unn_tsb, "role": "Behandling"},
        base_version=plan.version,
    ).pk


def _crisis_contact(cast: Cast):
    from pathways.crisis import services as crisis

    return crisis.crisis_contact_add(
        patient=cast.patient,
        actor=Actor(cast.coordinator, cast.vadso_rus),
        data={"name": "Legevakt Vadsø", "phone": "116117", "when": "Hele døgnet"},
    ).pk


def _plan_version(cast: Cast):
    return _plan(cast).version


def _closed_plan(cast: Cast):
    """An earlier, closed individual plan of the patient (read-only, printable). The open plan
    made so far is the one closed; ``_plan`` starts a new one when asked again."""
    if "closed_plan" not in cast.extra:
        from pathways.models import IndividualPlan
        from pathways.plan import services as plans

        plan = _plan(cast)
        del cast.extra["plan"]
        cast.extra["closed_plan"] = plans.plan_update_section(
            plan=plan,
            actor=Actor(cast.coordinator, cast.vadso_rus),
            section="basics",
            data={
                "status": IndividualPlan.Status.CLOSED,
                "owner_unit": plan.owner_unit,
                "period_start": plan.period_start,
                "period_end": plan.period_start,
                "next_revision_on": plan.next_revision_on,
            },
            base_version=plan.version,
        )
    return cast.extra["closed_plan"]


# --- ansvarsgruppe and meetings ----------------------------------------------------------------


def _meeting(cast: Cast):
    """A held meeting of the patient's ansvarsgruppe, with an action item."""
    if "meeting" not in cast.extra:
        import datetime

        from django.utils import timezone

        from pathways.meetings import services as meetings
        from tests.pathways.meetings.fixtures import at, hold

        group = meetings.group_create(
            patient=cast.patient,
            actor=Actor(cast.coordinator, cast.vadso_rus),
            patient_say="Mor med.",
        )
        meetings.group_member_add(
            group=group,
            actor=Actor(cast.coordinator, cast.vadso_rus),
            user=cast.tsb_clinician,
            member_unit=cast.unn_tsb,
        )
        meeting = meetings.meeting_plan(
            group=group,
            actor=Actor(cast.coordinator, cast.vadso_rus),
            starts_at=at(-1),
            duration_minutes=60,
            place="Vadsø rådhus",
            digital_link="",
            agenda=["Status bolig"],
            # Held yesterday: recorded, so no invitation goes out for it.
            invite=[],
        )
        meeting = hold(meeting, cast.coordinator, cast.vadso_rus)
        meetings.action_item_add(
            meeting=meeting,
            actor=Actor(cast.coordinator, cast.vadso_rus),
            what="Søke om bostøtte",
            due_date=timezone.localdate() + datetime.timedelta(days=10),
            responsible_user=cast.coordinator,
        )
        meeting.refresh_from_db()
        cast.extra["meeting"] = meeting
    return cast.extra["meeting"]


def _planned_meeting(cast: Cast):
    """A meeting of the same ansvarsgruppe not yet held (one that can still be changed)."""
    from pathways.meetings import services as meetings
    from tests.pathways.meetings.fixtures import at

    return meetings.meeting_plan(
        group=_meeting(cast).group,
        actor=Actor(cast.coordinator, cast.vadso_rus),
        starts_at=at(2),
        duration_minutes=60,
        place="Vadsø rådhus",
        digital_link="",
        agenda=["Oppfølging"],
    ).pk


def _action_item(cast: Cast):
    return _meeting(cast).action_items.order_by("pk").first().pk


def _group_member(cast: Cast):
    return _meeting(cast).group.members.filter(user=cast.tsb_clinician).get().pk


# --- referrals -----------------------------------------------------------------------------------


def _referral(cast: Cast):
    """Vadsø refers the patient to UNN TSB døgn (on the care team), sent today."""
    if "referral" not in cast.extra:
        from referrals import services
        from tests.referrals.conftest import referral_data

        cast.extra["referral"] = services.referral_create(
            patient=cast.patient,
            actor=Actor(cast.coordinator, cast.vadso_rus),
            receiving_unit=cast.unn_tsb,
            data=referral_data(),
            send=True,
        )
    return cast.extra["referral"]


def _episode_with_open_referral(cast: Cast):
    """The UNN stay, with Vadsø's referral to UNN sent after it started: linkable by UNN."""
    episode = _episode(cast)
    _referral(cast)
    return episode.pk


def _information_request(cast: Cast):
    from referrals import services

    return services.referral_request_information(
        referral=_referral(cast),
        actor=Actor(cast.tsb_clinician, cast.unn_tsb),
        question="Hvilke legemidler bruker pasienten nå?",
    ).pk


def _attachment(cast: Cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from referrals import services

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return services.attachment_add(
        referral=_referral(cast),
        actor=Actor(cast.coordinator, cast.vadso_rus),
        upload=SimpleUploadedFile("epikrise.pdf", pdf),
    ).pk


# --- dialogue between services -------------------------------------------------------------


def _dialogue_thread(cast: Cast):
    """Vadsø asks UNN TSB døgn, with a PDF attached to the question."""
    if "dialogue_thread" not in cast.extra:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from pathways.dialogue import services

        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        cast.extra["dialogue_thread"] = services.thread_start(
            patient=cast.patient,
            actor=Actor(cast.coordinator, cast.vadso_rus),
            to_unit=cast.unn_tsb,
            subject="Legemidler ved utskriving",
            text="Hvilke legemidler skal pasienten ha med seg?",
            upload=SimpleUploadedFile("epikrise.pdf", pdf),
        )
    return cast.extra["dialogue_thread"]


def _dialogue_post(cast: Cast):
    return _dialogue_thread(cast).posts.get().pk


# kwarg -> factory(cast) returning the value to put in the URL. The object must belong to
# cast.patient (made through the feature's services). A key "namespace:name:kwarg" applies to
# one URL only and wins over the plain kwarg (for generic names such as ``pk``).
# --- treatment places and joint intake ----------------------------------------------------


def _place(cast: Cast):
    """UNN TSB døgn as a treatment place (its own staff keep its capacity)."""
    from referrals.models import TreatmentPlace

    place, _created = TreatmentPlace.objects.get_or_create(
        unit=cast.unn_tsb,
        defaults={"form": "dogn", "location": "Tromsø", "health_trust": cast.unn_tsb.organisation},
    )
    return place.pk


def _forum(cast: Cast):
    """A joint intake meeting of Vadsø and UNN TSB døgn, held every day of the week today is."""
    from django.utils import timezone

    from referrals.models import JointIntakeForum

    if "forum" not in cast.extra:
        forum = JointIntakeForum.objects.create(
            name="Felles inntak",
            health_trust=cast.unn_tsb.organisation,
            specialist_unit=cast.unn_tsb,
            weekday=timezone.localdate().weekday(),
        )
        forum.kommuner.add(cast.vadso_rus.organisation)
        cast.extra["forum"] = forum
    return cast.extra["forum"]


def _joint_intake_case(cast: Cast):
    from django.utils import timezone

    from referrals.placement import joint_intake

    case = joint_intake.case_add(
        forum=_forum(cast),
        patient=cast.patient,
        actor=Actor(cast.coordinator, cast.vadso_rus),
        question="Trenger vurdering av døgnbehandling.",
        consent_given_on=timezone.localdate(),
    )
    return case.pk


OBJECTS: dict[str, Callable[[Cast], object]] = {
    "patient_id": _patient_id,
    "episode_id": lambda cast: _episode(cast).pk,
    "message_id": _kommune_message,
    "appointment_id": _appointment,
    "move_id": _kommune_move,
    "pathways:ettervern_edit:part": lambda cast: "kommune",
    "notification_id": _notification,
    "nok_id": _next_of_kin,
    "consent_id": _consent,
    "pathways:care_team_end:member_id": _care_team_member,
    "grant_id": _glass_grant,
    "goal_id": _goal,
    "proposal_id": _goal_proposal,
    "portal:next_of_kin_withdraw:grant_id": _portal_grant,
    "question_id": _access_question,
    "measure_id": _measure,
    "participant_id": _participant,
    "contact_id": _crisis_contact,
    "pathways:plan_revision_pdf:version": _plan_version,
    "plan_id": lambda cast: _closed_plan(cast).pk,
    "pathways:plan_earlier_revision_pdf:version": lambda cast: 1,
    "pathways:plan_section:section": lambda cast: "viktig",
    "pathways:plan_area:area": lambda cast: "housing",
    "meeting_id": lambda cast: _meeting(cast).pk,
    "pathways:meeting_edit:meeting_id": _planned_meeting,
    "item_id": _action_item,
    "pathways:member_remove:member_id": _group_member,
    "referrals:pk": lambda cast: _referral(cast).pk,
    "referrals:link_episode:episode_id": _episode_with_open_referral,
    "request_id": _information_request,
    "attachment_id": _attachment,
    "place_capacity:pk": _place,
    "case_id": _joint_intake_case,
    "thread_id": lambda cast: _dialogue_thread(cast).pk,
    "post_id": _dialogue_post,
}

# URL name -> factory(cast) run before the URL is requested, for pages that show an object
# found from the patient alone (e.g. the patient's current ettervern plan as PDF).
PREPARE: dict[str, Callable[[Cast], object]] = {
    "joint_intake_add": _forum,
    "pathways:ettervern_pdf": _episode,
    "pathways:plan": _plan,
    "pathways:plan_pdf": _plan,
    "pathways:plan_history": _plan,
    "pathways:plan_goal_new": _plan,
    "pathways:plan_participant_new": _plan,
    "pathways:plan_measure_new": _plan,
    "pathways:plan_evaluation": _plan,
    "pathways:plan_comment": _plan,
    "pathways:plan_section": _plan,
    "pathways:plan_area": _plan,
    "pathways:plan_coordinator": _plan,
    "pathways:meetings": _meeting,
    "pathways:group_edit": _meeting,
    "pathways:member_add_internal": _meeting,
    "pathways:member_add_external": _meeting,
    "pathways:meeting_new": _meeting,
}

# URL names ("namespace:name") that change data but are not ``@patient_view(for_edit=True)``:
# break-the-glass readers must get 403 or 404 there.
REFERRAL_ACTIONS = {
    "referrals:edit",
    "referrals:assess",
    "referrals:forward",
    "referrals:ask",
    "referrals:answer",
    "referrals:withdraw",
    "referrals:start_treatment",
    "referrals:close",
    "referrals:frist_risk",
    "referrals:helfo",
    "referrals:follow_up",
    "referrals:attachment_new",
    "referrals:place",
    "referrals:planned_start",
}
EDIT_VIEWS: set[str] = set(REFERRAL_ACTIONS)

# URL names whose answer to a legitimate user depends on the object's state or on the side
# that acts (a referral's next step, a meeting already held): 200, a redirect back with a
# message, or 403 are all right for the care team there; outsiders still get 404.
STATEFUL: set[str] = set(REFERRAL_ACTIONS) | {
    "pathways:meeting_edit",
    # Linking a treatment to a referral needs an open referral to link (else 403 or back).
    "referrals:link_episode",
}

# URL names only the kommune may use: a specialist unit on the care team gets 403.
KOMMUNE_ONLY: set[str] = {
    "pathways:kommune_move",
    "pathways:message_answer",  # only the receiving kommune unit answers
    # The individual plan is written by its koordinator (the kommune owns it).
    "pathways:plan_section",
    "pathways:plan_goal_new",
    "pathways:plan_goal",
    "pathways:plan_goal_progress",
    "pathways:plan_goal_proposal_accept",
    "pathways:plan_goal_proposal_decline",
    "pathways:plan_area",
    "pathways:plan_participant_new",
    "pathways:plan_participant",
    # A specialist unit adds measures for itself (plan_measure_new is open to it), and changes
    # only the measures it is responsible for.
    "pathways:plan_measure",
    # Replacing the koordinator is for the unit that owns the plan.
    "pathways:plan_coordinator",
    "pathways:plan_evaluation",
    "pathways:plan_comment",
}

# URL names only the specialist unit may use: the registering kommune unit gets 403.
SPECIALIST_ONLY: set[str] = {
    "pathways:episode_new",
    # The pathway's dates and evaluations are recorded by the treating unit.
    "pathways:episode_milestones",
    "pathways:episode_evaluation",
}

# Full overrides: URL name -> {role: allowed statuses}, for endpoints whose rule differs
# (e.g. a personal notification that only its recipient sees). Roles are the keys of
# tests/security/test_access_matrix.ROLES.
EXPECT: dict[str, dict[str, set[int]]] = {
    # /min/ is for the patient's own session: every staff session gets 404 there, the care
    # team's too (tests/pathways/portal/ walks the patient's and the pårørende's sessions).
    "portal:consent_withdraw": {
        "same_unit": {404},
        "specialist": {404},
        "break_glass": {404},
    },
    # "Spør hvorfor" is answered by the leader of the unit asked about, or the koordinator:
    # the rest of the care team is refused (403); outsiders still get 404.
    "pathways:portal_question_answer": {"specialist": {403}, "break_glass": {403, 404}},
    # A notification is its recipient's alone; opening it leads on to the page it is about.
    "notifications:open": {"same_unit": {302}, "specialist": {404}, "break_glass": {404}},
    # The ettervern plan's part walked is the municipal one (each side writes its own; the
    # crisis plan both write is the patient's, at pathways:crisis_plan).
    "pathways:ettervern_edit": {"specialist": {403}},
    # There is no answer letter until the referral is decided.
    "referrals:answer_pdf": {"same_unit": {404}, "specialist": {404}, "break_glass": {404}},
    # A place's capacity is kept by its own unit (and the helseforetak's intake team).
    # It holds no patient data, so outsiders are refused (403) rather than told it is absent.
    "place_capacity": {
        "same_unit": {403},
        "specialist": {200},
        "break_glass": {403},
        "other_kommune": {403},
        "other_hf": {403},
    },
}

# The same for POSTs from outside: URL name -> {role: allowed statuses}.
EXPECT_POST: dict[str, dict[str, set[int]]] = {
    # Reviewing a break-the-glass grant is for leaders; others are refused before any lookup.
    "breakglass_review_mark": {"other_kommune": {403, 404}, "other_hf": {403, 404}},
    "place_capacity": {"other_kommune": {403}, "other_hf": {403}},
}


@dataclass(frozen=True)
class Endpoint:
    route: str  # the full route, e.g. "pasienter/<int:patient_id>/endre/"
    name: str  # "namespace:name" or "" when unnamed
    callback: Callable
    kwargs: tuple[str, ...]
    converters: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def patient_scoped(self) -> bool:
        return "patient_id" in self.kwargs or getattr(self.callback, "patient_scoped", False)

    @property
    def for_edit(self) -> bool:
        return getattr(self.callback, "patient_for_edit", False) or self.name in EDIT_VIEWS

    def __str__(self):
        return "/" + self.route


_PART = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(patterns, prefix="", namespace="", converters=None):
    converters = converters or {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            conv = {**converters, **getattr(entry.pattern, "converters", {})}
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns, conv)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            conv = {**converters, **getattr(entry.pattern, "converters", {})}
            if isinstance(entry.pattern, RoutePattern):
                names = tuple(m.group("name") for m in _PART.finditer(route))
            else:
                names = tuple(entry.pattern.regex.groupindex)
            name = ":".join(filter(None, [namespace, entry.name or ""])) if entry.name else ""
            yield Endpoint(route, name, entry.callback, names, conv)


def all_endpoints() -> list[Endpoint]:
    return list(_walk(get_resolver().url_patterns))


def patient_endpoints() -> list[Endpoint]:
    """URLs that show or change something about a patient: the subject of the access matrix.

    /min/ is left out: it is the patient's and pårørende's own door, which answers 404 to
    every staff session (tests/pathways/portal/test_gate.py) and has its own matrix from
    every portal role in tests/pathways/portal.
    """
    return [
        e
        for e in all_endpoints()
        if (e.patient_scoped or e.kwargs) and not e.name.startswith(f"{PORTAL}:")
    ]


class Unfillable(Exception):
    pass


def build_url(endpoint: Endpoint, cast: Cast) -> str:
    namespace = endpoint.name.rsplit(":", 1)[0] if ":" in endpoint.name else ""

    def specific(key):
        for candidate in (f"{endpoint.name}:{key}", f"{namespace}:{key}"):
            if candidate in OBJECTS:
                return candidate
        return None

    def factory(key):
        found = specific(key)
        return OBJECTS[found] if found else OBJECTS.get(key)

    missing = [k for k in endpoint.kwargs if factory(k) is None]
    if missing:
        raise Unfillable(
            f"{endpoint} ({endpoint.name or 'unnamed'}) takes {', '.join(missing)}, which the "
            "security tests cannot fill in. Register a factory for it in "
            "tests/security/endpoints.py OBJECTS (it must make a real object for cast.patient)."
        )
    if endpoint.name in PREPARE:
        PREPARE[endpoint.name](cast)
    values = {}
    for key in endpoint.kwargs:
        slot = f"kwarg:{specific(key) or key}"
        if slot not in cast.extra:
            cast.extra[slot] = factory(key)(cast)
        values[key] = cast.extra[slot]
    if "<" not in endpoint.route and not endpoint.kwargs:
        return "/" + endpoint.route

    def fill(match):
        key = match.group("name")
        converter = endpoint.converters.get(key)
        value = values[key]
        return converter.to_url(value) if converter else str(value)

    if not _PART.search(endpoint.route):
        raise Unfillable(f"{endpoint} is a regular-expression route; give it a path() route.")
    return "/" + _PART.sub(fill, endpoint.route)
