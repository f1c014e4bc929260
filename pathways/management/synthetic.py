"""What the commands that create synthetic people (known passwords, synthetic ids) share."""

from django.conf import settings
from django.core.management.base import CommandError


def add_force_argument(parser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="Run even when DEBUG is off (never in production)."
    )


def refuse_unless_allowed(command: str, options, *, where: str) -> None:
    """Refuse with DEBUG off (unless ``--force``), and without synthetic ids allowed."""
    if not settings.DEBUG and not options["force"]:
        raise CommandError(
            f"{command} creates users with a known password; refused with DEBUG off. "
            f"Use --force only on {where}."
        )
    if not settings.ALLOW_SYNTHETIC_IDS:
        raise CommandError(f"{command} needs ALLOW_SYNTHETIC_IDS=true (synthetic ids).")
