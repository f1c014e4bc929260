"""Start and stop the test OpenID provider (tests/oidc/provider.mjs, npm oidc-provider).

The provider is a real Node process on a free port; `npm ci` in tests/oidc is part of the
project's install steps (`make test`, `.ci/run`), so a missing node_modules is an error here,
not a skip.
"""

import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
IDPORTEN_CLIENT = "samhandling-idporten"
IDPORTEN_SECRET = "idporten-test-secret-0123456789"
HELSEID_CLIENT = "samhandling-helseid"
# A record system's client for the FHIR API (client credentials, private_key_jwt).
FHIR_CLIENT = "vadso-profil"
# The Django test client's host: the provider only redirects the browser there.
APP = "http://testserver"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    helseid_key_pem: str
    process: subprocess.Popen = field(repr=False)
    folder: tempfile.TemporaryDirectory = field(repr=False)
    fhir_key_pem: str = ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.folder.cleanup()


def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def start_provider(
    *,
    id_token_ttl: int = 600,
    token_delay_ms: int = 0,
    app: str = APP,
    fhir_resources: dict | None = None,
) -> Provider:
    """``app``: where the app runs (the test client's host, or a live server for a browser).

    ``fhir_resources``: resource indicators the provider issues FHIR API access tokens for,
    ``{indicator: {"audience": ..., "scope": "...", "ttl": seconds}}``; with them the
    provider also knows the record system ``FHIR_CLIENT`` (its key: ``fhir_key_pem``)."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise RuntimeError("The OIDC tests need Node (Debian's nodejs package).")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("Run `npm ci` in tests/oidc (make test does it).")
    pem = private_key_pem()
    public_jwk = RSAKey.import_key(pem).as_dict(private=False)
    fhir_pem = private_key_pem() if fhir_resources else ""
    port = free_port()
    folder = tempfile.TemporaryDirectory(prefix="oidc-provider-")
    config = {
        "port": port,
        "id_token_ttl": id_token_ttl,
        "token_delay_ms": token_delay_ms,
        "idporten": {
            "client_id": IDPORTEN_CLIENT,
            "client_secret": IDPORTEN_SECRET,
            "redirect_uris": [f"{app}/min/innlogging/idporten/tilbake/"],
            "post_logout_redirect_uris": [f"{app}/min/logget-ut/"],
        },
        "helseid": {
            "client_id": HELSEID_CLIENT,
            "public_jwk": public_jwk,
            "redirect_uris": [f"{app}/accounts/login/helseid/tilbake/"],
            "post_logout_redirect_uris": [f"{app}/accounts/login/"],
        },
    }
    if fhir_resources:
        config["fhir"] = {
            "client_id": FHIR_CLIENT,
            "public_jwk": RSAKey.import_key(fhir_pem).as_dict(private=False),
            "resources": fhir_resources,
        }
    config_path = Path(folder.name) / "config.json"
    config_path.write_text(json.dumps(config))
    process = subprocess.Popen(
        [node, str(OIDC_DIR / "provider.mjs"), str(config_path)],
        cwd=OIDC_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 20
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("ready "):
            break
        if process.poll() is not None:
            break
    if not line.startswith("ready "):
        process.kill()
        output = process.stdout.read() if process.stdout else ""
        folder.cleanup()
        raise RuntimeError(f"The OIDC test provider did not start: {line}{output}")
    # Its further output (warnings) must not fill the pipe and block it.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return Provider(
        issuer=line.split()[1],
        helseid_key_pem=pem,
        process=process,
        folder=folder,
        fhir_key_pem=fhir_pem,
    )


def follow_to_app(browser, url: str) -> str:
    """Follow the provider's redirects until one points back to the app; return that URL."""
    for _ in range(10):
        if url.startswith(APP):
            return url
        response = browser.get(url)
        if response.status_code not in (302, 303):
            raise AssertionError(f"{url} answered {response.status_code}: {response.text[:300]}")
        url = urljoin(url, response.headers["location"])
    raise AssertionError("The provider redirected too often")


def provider_login(client, start_url: str, *, pid: str, acr: str = "idporten-loa-high", browser):
    """Log in as a person at the provider, as a browser would, and return the app's callback
    URL (path and query) that the provider sends the browser to.

    ``client`` is Django's test client (the app); ``browser`` an httpx client that keeps the
    provider's cookies (so a second login in it finds the provider session).
    """
    start = client.get(start_url)
    assert start.status_code == 302, start.content[:300]
    url = start["Location"]
    for _ in range(10):
        if url.startswith(APP):
            break
        response = browser.get(url)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["location"])
            continue
        assert response.status_code == 200, response.text[:300]
        action = re.search(r'<form method="post" action="([^"]+)"', response.text).group(1)
        posted = browser.post(urljoin(url, action), data={"pid": pid, "acr": acr})
        assert posted.status_code in (302, 303), posted.text[:300]
        url = urljoin(url, posted.headers["location"])
    assert url.startswith(APP), url
    return url.removeprefix(APP)


def provider_walk(browser, url: str) -> tuple[str, str | None]:
    """Follow redirects at the provider: (the app URL it ends at, None), or (the URL of the
    page it stops at, that page's HTML)."""
    for _ in range(10):
        if url.startswith(APP):
            return url, None
        response = browser.get(url)
        if response.status_code not in (302, 303):
            return url, response.text
        url = urljoin(url, response.headers["location"])
    raise AssertionError("The provider redirected too often")


def form_of(html: str) -> tuple[str, dict]:
    """The first form's action and hidden inputs."""
    action = re.search(r'<form[^>]*action="([^"]+)"', html).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return action, hidden
