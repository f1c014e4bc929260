"""Who calls: OAuth 2.0 access tokens for system clients (SMART Backend Services, HelseID's
machine-to-machine pattern).

The client gets a signed JWT access token from the configured issuer (client credentials);
the API checks its signature against the issuer's JWKS, the issuer, the audience, the expiry
and the scopes, with joserfc (authlib's JOSE implementation; ``authlib.jose`` itself now
warns that it is deprecated in favour of it). Nothing here parses or verifies a token by hand.
"""

import json
import threading
import time
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from joserfc import errors, jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from accounts.acting import Actor
from pathways.models import ApiClient

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
READ_ALL = "system/*.read"
LEEWAY_SECONDS = 30
# A token with an unknown key id refetches the issuer's keys, at most this often.
REFRESH_AFTER_SECONDS = 10


class AuthError(Exception):
    """A request the API refuses: ``status`` 401 (no valid token) or 403 (not allowed)."""

    def __init__(self, status: int, message: str, error: str = "invalid_token"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error


@dataclass
class Caller:
    client: ApiClient
    scopes: frozenset[str]

    @property
    def actor(self) -> Actor:
        # The client's service account; no unit: it acts through its organisation's units.
        return Actor(self.client.account)

    def may_read(self, resource_type: str) -> bool:
        return bool({READ_ALL, f"system/{resource_type}.read"} & self.scopes)

    def may_write(self, resource_type: str) -> bool:
        return bool({"system/*.write", f"system/{resource_type}.write"} & self.scopes)


def is_configured() -> bool:
    return bool(settings.FHIR_TOKEN_ISSUER and settings.FHIR_TOKEN_AUDIENCE)


class _Keys:
    """The issuer's JWKS: from the settings, or fetched from its URL and kept for a while.
    A token signed with a key we do not know yet makes one early refetch (key rotation)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cached: tuple[str, float, KeySet] | None = None

    def get(self, *, refresh: bool = False) -> KeySet:
        if settings.FHIR_JWKS:
            return KeySet.import_key_set(json.loads(settings.FHIR_JWKS))
        url = settings.FHIR_JWKS_URL
        if not url:
            raise AuthError(401, _("The API has no keys to check tokens with."))
        now = time.monotonic()
        with self._lock:
            cached = self._cached
            fresh = (
                cached is not None
                and cached[0] == url
                and now - cached[1] < settings.FHIR_JWKS_CACHE_SECONDS
            )
            if fresh and not (refresh and now - cached[1] > REFRESH_AFTER_SECONDS):
                return cached[2]
            keys = KeySet.import_key_set(_fetch(url))
            self._cached = (url, now, keys)
            return keys

    def clear(self):
        with self._lock:
            self._cached = None


def _fetch(url: str) -> dict:
    if not url.startswith(("https://", "http://")):
        raise AuthError(401, _("The API has no keys to check tokens with."))
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (scheme checked)
            return json.loads(response.read(1_000_000))
    except (OSError, ValueError) as exc:
        raise AuthError(401, _("The token issuer's keys could not be fetched.")) from exc


KEYS = _Keys()


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, _("A bearer access token is required."))
    return token.strip()


def _decode(token: str):
    try:
        try:
            return jwt.decode(token, KEYS.get(), algorithms=ALGORITHMS)
        except errors.InvalidKeyIdError:
            return jwt.decode(token, KEYS.get(refresh=True), algorithms=ALGORITHMS)
    except errors.JoseError as exc:
        raise AuthError(401, _("The access token is not valid.")) from exc
    except ValueError as exc:  # a token that is not even a JWS
        raise AuthError(401, _("The access token is not valid.")) from exc


def authenticate(request) -> Caller:
    """The calling client, or ``AuthError``."""
    if not is_configured():
        raise AuthError(401, _("The FHIR API is not configured on this server."))
    token = _decode(_bearer(request))
    claims = token.claims
    registry = JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": settings.FHIR_TOKEN_ISSUER},
        aud={"essential": True, "value": settings.FHIR_TOKEN_AUDIENCE},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except errors.ExpiredTokenError as exc:
        raise AuthError(401, _("The access token has expired.")) from exc
    except errors.JoseError as exc:
        raise AuthError(401, _("The access token is not meant for this API.")) from exc
    client_id = claims.get("client_id") or claims.get("azp") or claims.get("sub")
    raw_scope = claims.get("scope", claims.get("scp", ""))
    scopes = frozenset(raw_scope.split() if isinstance(raw_scope, str) else raw_scope or ())
    client = (
        ApiClient.objects.select_related("account", "organisation")
        .filter(client_id=str(client_id or ""), is_active=True)
        .first()
    )
    if client is None:
        raise AuthError(403, _("This client is not registered for the API."), "invalid_client")
    return Caller(client=client, scopes=scopes)
