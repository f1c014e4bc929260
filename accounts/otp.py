"""The TOTP second factor: devices, enrolment QR codes, recovery codes and the pending-login
step."""

import base64
import secrets
import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

PENDING_KEY = "otp_pending_login"
# How long a correct password waits for its code before the user must start again.
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5
# Recovery codes made at once; each works one time. Shown once, right after they are made.
RECOVERY_CODES = 10
RECOVERY_SESSION_KEY = "otp_new_recovery_codes"
RECOVERY_DEVICE_NAME = "Reservekoder"


def has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def unconfirmed_device(user) -> TOTPDevice:
    """The device being enrolled (created on first visit, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Samhandling", confirmed=False)
    return device


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (the Content Security Policy allows data: images)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    svg = image.to_string(encoding="utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def secret_for_display(device: TOTPDevice) -> str:
    """The key in groups of four, for typing into an authenticator app by hand."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def start_pending(session, user, next_url: str) -> None:
    session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": time.time(),
        "failures": 0,
    }


def pending(session) -> dict | None:
    data = session.get(PENDING_KEY)
    if not data or time.time() - data.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    return data


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with new ones (kept as django-otp's static plugin
    keeps them; 16 characters of base32, 80 bits, so they need no hashing to resist guessing
    behind the throttled login)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [
        b32encode(secrets.token_bytes(10)).decode("ascii").lower() for _ in range(RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def show_code(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def remove_devices(user) -> int:
    """Remove every second factor of the user (app and recovery codes); how many there were."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    return removed + static
