"""Goals in /min/: the plan's goals with how it goes, the patient's proposed goals, and their
own progress notes ("slik går det"). A pårørende given "the plan" reads the goals."""

from django import forms
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.models import Goal, GoalProgress, LifeArea, PortalAccess
from pathways.plan import services as plans
from pathways.portal import selectors
from pathways.portal.gate import portal_view
from pathways.web import form_action

PLAN = PortalAccess.Part.PLAN


class ProposeGoalForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your goal"),
        help_text=gettext_lazy(
            "Write it in your own words, for example: I want to have my own flat by summer."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
    )
    life_area = forms.ChoiceField(
        label=gettext_lazy("What part of life is it about? (if you like)"),
        choices=[("", gettext_lazy("Let the koordinator choose")), *LifeArea.choices],
        required=False,
    )


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("How is it going?"),
        help_text=gettext_lazy("The people who help you read it in the plan."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


def _open_plan(request):
    plan = selectors.open_plan_for(request.portal.patient)
    if plan is None:
        raise Http404
    return plan


def goals_with_progress(plan) -> list[Goal]:
    """The plan's goals in force, each with its notes and who wrote them (two queries)."""
    return list(
        plan.goals.exclude(status__in=[Goal.Status.CANCELLED, Goal.Status.PROPOSED])
        .order_by("-is_main", "life_area", "id")
        .prefetch_related(Prefetch("progress", queryset=GoalProgress.objects.select_related("by")))
    )


@portal_view("the plan", part=PLAN)
def plan_page(request):
    plan = _open_plan(request)
    is_patient = request.portal.is_patient
    return render(
        request,
        "pathways/portal/plan.html",
        {
            "patient": request.portal.patient,
            "is_patient": is_patient,
            "plan": plan,
            "goals": goals_with_progress(plan),
            "measures": list(plan.measures.all()),
            # The proposals are the patient's own conversation with the koordinator.
            "proposals": list(plan.goal_proposals.all()) if is_patient else [],
        },
    )


@portal_view("propose a goal", methods=("GET", "HEAD", "POST"))
def goal_propose(request):
    plan = _open_plan(request)
    form = ProposeGoalForm(request.POST or None)
    return form_action(
        request,
        form,
        save=lambda data: plans.goal_propose_by_patient(
            plan=plan, actor=request.portal_actor, text=data["text"], life_area=data["life_area"]
        ),
        success=_("Thank you. Your koordinator will look at the goal with you."),
        redirect_to=reverse("portal:plan") + "#proposals",
        template="pathways/portal/form_page.html",
        context={
            "heading": _("Propose a goal"),
            "intro": _(
                "The koordinator takes the goal into your plan, or answers you if something "
                "should be done differently."
            ),
            "submit": _("Send the goal"),
            "back_url": reverse("portal:plan"),
            "back_label": _("Back to the plan"),
        },
    )


@portal_view("how it goes with a goal", methods=("GET", "HEAD", "POST"))
def goal_progress(request, goal_id):
    plan = _open_plan(request)
    goal = get_object_or_404(
        Goal.objects.exclude(status__in=[Goal.Status.CANCELLED, Goal.Status.PROPOSED]),
        pk=goal_id,
        plan=plan,
    )
    form = ProgressForm(request.POST or None)
    return form_action(
        request,
        form,
        save=lambda data: plans.goal_progress_by_patient(
            goal=goal, actor=request.portal_actor, text=data["text"]
        ),
        success=_("Saved. The people who help you can read it in the plan."),
        redirect_to=reverse("portal:plan") + f"#goal-{goal.pk}",
        template="pathways/portal/form_page.html",
        context={
            "heading": _("How is it going?"),
            "intro": goal.text,
            "submit": _("Save"),
            "back_url": reverse("portal:plan"),
            "back_label": _("Back to the plan"),
        },
    )
