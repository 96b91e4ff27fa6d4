"""What Haven's HTTP entrypoints check of a request before anything else: no credentials in the URL, no
cross-site unsafe request, whether it came over https; and the settings those checks read from the config."""
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import Forbidden, ValidationError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
QUERY_CREDENTIALS = frozenset({"token", "access_token"})
CORRELATION_HEADER = "X-Correlation-Id"
CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
# A request line's query values that may hold a credential: written as [redacted] in the access log.
CREDENTIAL_IN_QUERY = re.compile(r"([?&][^=&\s]*(?:token|authorization|password|secret)[^=&\s]*=)[^&\s]*",
                                 re.IGNORECASE)
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def flag(config, key, default=False):
    value = config.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE | FALSE:
        return text in TRUE
    raise ValueError(f"{key} must be true or false, got {value!r}")


def seconds(config, key, default):
    value = config.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a whole number of seconds, got {value!r}") from None
    if number <= 0:
        raise ValueError(f"{key} must be positive, got {number}")
    return number


@dataclass(frozen=True)
class WebSettings:
    """``HTTP_TRUST_PROXY`` (default false): believe ``X-Forwarded-Proto`` / ``X-Forwarded-Host``, as sent by the
    TLS proxy in front of the service (never turn it on when clients reach the service directly)."""

    trust_proxy: bool = False

    @classmethod
    def from_config(cls, config):
        return cls(trust_proxy=flag(config, "HTTP_TRUST_PROXY"))


def redact(request_line):
    """A request line fit for a log: values of query parameters that may hold a credential replaced."""
    return CREDENTIAL_IN_QUERY.sub(r"\1[redacted]", request_line)


def correlation_id_of(request):
    given = request.headers.get(CORRELATION_HEADER, "")
    return given if CORRELATION_ID.match(given) else str(uuid.uuid4())


def refuse_query_credentials(request):
    """A token in a URL ends up in logs, browser history and Referer headers: refused (400), whatever else the
    request carries, so that nobody comes to rely on it."""
    found = sorted(name for name in request.args if name.lower() in QUERY_CREDENTIALS)
    if found:
        raise ValidationError({name: ["Tokens are not accepted in a URL: send the header 'Authorization: Bearer "
                                      "<token>'."] for name in found})


def _forwarded(request, header):
    value = request.headers.get(header, "")
    return value.split(",")[0].strip().lower()


def over_https(request, settings):
    """Whether the client reached us over https: directly, or through a trusted proxy that says so."""
    if request.scheme == "https":
        return True
    return settings.trust_proxy and _forwarded(request, "X-Forwarded-Proto") == "https"


def own_host(request, settings):
    host = settings.trust_proxy and _forwarded(request, "X-Forwarded-Host")
    return (host or request.host or "").lower()


def refuse_cross_site(request, settings):
    """Refuse (403) an unsafe request a browser says came from another site: ``Sec-Fetch-Site`` other than
    same-origin (or none: typed by the user), or an ``Origin`` that is not this service's host. ``Origin: null``
    passes only when ``Sec-Fetch-Site`` says same-origin (a same-origin form under ``Referrer-Policy: no-referrer``
    is sent so). A client that sends neither (a script, an old browser) passes here; forms check a CSRF token too."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        raise Forbidden(f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:20]})")
    origin = request.headers.get("Origin")
    if origin == "null":
        if fetch_site is None or fetch_site.lower() != "same-origin":
            raise Forbidden("cross-site request refused (Origin: null)")
    elif origin is not None and urlsplit(origin).netloc.lower() != own_host(request, settings):
        raise Forbidden("cross-site request refused (Origin is not this site)")
