"""Deadlines shown as text, never as colour alone."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pathways.workdays import working_days_between

register = template.Library()

SOON_WORKING_DAYS = 2
SOON_DAYS = 10


def working_days_left(due, today=None) -> int | None:
    if due is None:
        return None
    return working_days_between(today or timezone.localdate(), due)


@register.simple_tag
def assessment_status(referral):
    """'3 virkedager igjen', 'forfaller i dag' or 'overskredet med 2 virkedager'."""
    due = referral.assessment_due
    if due is None:
        return ""
    if not referral.awaiting_assessment:
        return ""
    today = timezone.localdate()
    if due == today:
        return format_html('<span class="tag tag--warn">{}</span>', _("due today"))
    if due < today:
        # Count the days from the due date, so the day after it is "overdue by 1".
        over = working_days_between(due, today)
        over = max(over, 1)
        text = ngettext("overdue by %(n)d working day", "overdue by %(n)d working days", over) % {
            "n": over
        }
        return format_html('<span class="tag tag--danger">{}</span>', text)
    left = working_days_between(today, due)
    text = ngettext("%(n)d working day left", "%(n)d working days left", left) % {"n": left}
    css = "tag tag--warn" if left <= SOON_WORKING_DAYS else "tag"
    return format_html('<span class="{}">{}</span>', css, text)


@register.simple_tag
def frist_status(referral):
    """Days left to the start deadline, or fristbrudd."""
    if referral.start_deadline is None or referral.state != referral.State.GRANTED:
        return ""
    today = timezone.localdate()
    days = (referral.start_deadline - today).days
    if days < 0:
        text = ngettext(
            "fristbrudd: frist passed %(n)d day ago",
            "fristbrudd: frist passed %(n)d days ago",
            -days,
        ) % {"n": -days}
        return format_html('<span class="tag tag--danger">{}</span>', text)
    if referral.frist_at_risk_at is not None:
        return format_html(
            '<span class="tag tag--danger">{}</span>', _("fristbrudd: frist likely to be missed")
        )
    text = ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    css = "tag tag--warn" if days <= SOON_DAYS else "tag"
    return format_html('<span class="{}">{}</span>', css, text)


@register.filter
def state_css(referral):
    return {
        "granted": "tag tag--ok",
        "treatment_started": "tag tag--ok",
        "completed": "tag tag--ok",
        "rejected": "tag tag--warn",
        "withdrawn": "tag",
    }.get(referral.state, "tag")
