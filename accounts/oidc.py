"""OpenID Connect clients for ID-porten and HelseID, built by authlib from the settings.

authlib does the protocol: discovery, state, nonce, PKCE (S256), the token request (with
``client_secret_basic`` or a ``private_key_jwt`` assertion), and the ID token's signature,
issuer, audience, expiry and nonce. What is ours: which acr level is enough, and which claim
names the person.
"""

from pathlib import Path

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from joserfc.errors import JoseError
from requests import RequestException

IDPORTEN = "idporten"
HELSEID = "helseid"

# What can go wrong with an answer from the provider (a wrong state, code, signature, nonce or
# time; no answer at all): all of it means "not logged in", never a 500.
LOGIN_ERRORS = (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError)

_clients: dict[tuple, object] = {}


def idporten_enabled() -> bool:
    return bool(settings.IDPORTEN_ISSUER and settings.IDPORTEN_CLIENT_ID)


def helseid_enabled() -> bool:
    return bool(settings.HELSEID_ISSUER and settings.HELSEID_CLIENT_ID)


def _config(name: str) -> tuple:
    if name == IDPORTEN:
        return (
            IDPORTEN,
            settings.IDPORTEN_ISSUER,
            settings.IDPORTEN_CLIENT_ID,
            settings.IDPORTEN_CLIENT_SECRET,
            "openid profile",
        )
    return (
        HELSEID,
        settings.HELSEID_ISSUER,
        settings.HELSEID_CLIENT_ID,
        settings.HELSEID_PRIVATE_KEY_FILE,
        settings.HELSEID_SCOPES,
    )


def client(name: str):
    """The authlib client for ``name``; kept per configuration, so discovery runs once."""
    config = _config(name)
    found = _clients.get(config)
    if found is not None:
        return found
    _, issuer, client_id, secret, scope = config
    registry = OAuth()
    kwargs = {"scope": scope, "code_challenge_method": "S256"}
    if name == HELSEID:
        # HelseID has no shared secret: the client signs an assertion with its private key.
        kwargs["token_endpoint_auth_method"] = PrivateKeyJWT.name
        registered = registry.register(
            name,
            client_id=client_id,
            client_secret=Path(secret).read_text(),
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs=kwargs,
            client_auth_methods=[PrivateKeyJWT()],
        )
    else:
        registered = registry.register(
            name,
            client_id=client_id,
            client_secret=secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs=kwargs,
        )
    _clients[config] = registered
    return registered


def finish_login(request, name: str) -> dict:
    """Exchange the code from the callback and return the checked ID token claims.

    Raises one of ``LOGIN_ERRORS`` when the state, the code, the signature, the nonce or the
    token's time is wrong. The raw ID token is kept for logging out at the provider.
    """
    token = client(name).authorize_access_token(request, leeway=settings.OIDC_LEEWAY_SECONDS)
    claims = token.get("userinfo")
    if not claims:
        raise ValueError("The provider sent no ID token.")
    return {"claims": dict(claims), "id_token": token["id_token"]}


def logout_url(name: str, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end the session at the provider too (RP-initiated logout)."""
    registered = client(name)
    metadata = registered.load_server_metadata()
    if not metadata.get("end_session_endpoint"):
        return None
    return registered.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token
    )["url"]
