import time

import jwt
import pytest

from haven_kernel.auth import authorize, issue_token, parse_ttl, verify_token
from haven_kernel.errors import Forbidden, Unauthenticated


def test_token_round_trip_carries_org_and_scopes():
    token = issue_token(org="IOM", scopes=["registration:write", "registration:read"], ttl_seconds=60)
    caller = verify_token(f"Bearer {token}")
    assert caller.org == "IOM" and caller.sub == "iom-client"
    assert caller.allows("registration:write") and not caller.allows("shelter:write")


@pytest.mark.parametrize("authorization, reason", [
    (None, "missing"),
    ("", "missing"),
    ("Token abc", "malformed"),
    ("Bearer not.a.jwt", "not valid"),
    ("Bearer " + "x" * 5000, "malformed"),
])
def test_bad_authorization_is_unauthenticated(authorization, reason):
    with pytest.raises(Unauthenticated, match=reason):
        verify_token(authorization)


def test_expired_and_forged_tokens_are_refused():
    expired = issue_token(org="IOM", scopes=["admin"], ttl_seconds=10, now=time.time() - 3600)
    with pytest.raises(Unauthenticated, match="expired"):
        verify_token(f"Bearer {expired}")
    forged = issue_token(org="IOM", scopes=["admin"], secret="another-secret-that-is-long-enough-for-hs256")
    with pytest.raises(Unauthenticated, match="signature"):
        verify_token(f"Bearer {forged}")
    unsigned = jwt.encode({"sub": "x", "org": "IOM", "scopes": ["admin"], "exp": time.time() + 60}, None,
                          algorithm="none")
    with pytest.raises(Unauthenticated):
        verify_token(f"Bearer {unsigned}")


def test_claims_must_be_well_formed():
    token = jwt.encode({"sub": "x", "org": "IOM", "scopes": "admin", "iat": int(time.time()), "exp": time.time() + 60},
                       "haven-development-secret-do-not-use-in-production", algorithm="HS256")
    with pytest.raises(Unauthenticated, match="malformed"):
        verify_token(f"Bearer {token}")


def test_scopes_and_admin():
    reader = verify_token("Bearer " + issue_token(org="WFP", scopes=["registration:read"]))
    with pytest.raises(Forbidden, match="registration:write"):
        authorize(reader, "registration:write")
    admin = verify_token("Bearer " + issue_token(org="IOM", scopes=["admin"]))
    assert authorize(admin, "shelter:write") is admin


def test_secret_has_no_default_outside_development(monkeypatch):
    monkeypatch.delenv("HAVEN_AUTH_SECRET", raising=False)
    monkeypatch.setenv("HAVEN_ENV", "production")
    with pytest.raises(RuntimeError, match="HAVEN_AUTH_SECRET"):
        issue_token(org="IOM", scopes=["admin"])
    monkeypatch.setenv("HAVEN_AUTH_SECRET", "s3cret")
    with pytest.raises(RuntimeError, match="32 bytes"):
        issue_token(org="IOM", scopes=["admin"])
    monkeypatch.setenv("HAVEN_AUTH_SECRET", "a-production-secret-of-at-least-32-bytes")
    assert verify_token("Bearer " + issue_token(org="IOM", scopes=["admin"])).org == "IOM"


def test_ttl_and_scope_syntax():
    assert parse_ttl("8h") == 28800 and parse_ttl("30m") == 1800 and parse_ttl("90") == 90
    with pytest.raises(ValueError):
        parse_ttl("eight hours")
    for scope in ("registration", "Registration:write", "registration:write:all", "registration:", ":read",
                  "registration:x"):
        with pytest.raises(ValueError, match="bad scope"):
            issue_token(org="IOM", scopes=[scope])
    assert issue_token(org="IOM", scopes=["protection:caseworker", "protection:consent_override"])


def test_token_command_prints_a_working_token(capsys):
    from haven_kernel.cli import main
    assert main(["token", "--org", "IOM", "--scope", "registration:write", "--scope", "registration:read",
                 "--ttl", "8h"]) == 0
    caller = verify_token("Bearer " + capsys.readouterr().out.strip())
    assert caller.org == "IOM" and caller.scopes == ("registration:write", "registration:read")
    assert main(["token", "--org", "IOM", "--scope", "nonsense"]) == 2


# -- issue 10 points 5 and 6 -----------------------------------------------------------------------------------------
def signed(claims):
    from haven_kernel.auth import DEVELOPMENT_SECRET
    return "Bearer " + jwt.encode(claims, DEVELOPMENT_SECRET, algorithm="HS256")


def test_development_refuses_a_short_secret_too(monkeypatch):
    from haven_kernel.auth import DEVELOPMENT_SECRET, auth_secret
    monkeypatch.setenv("HAVEN_ENV", "development")
    monkeypatch.setenv("HAVEN_AUTH_SECRET", "abc")
    with pytest.raises(RuntimeError, match="32 bytes"):
        issue_token(org="IOM", scopes=["admin"])
    monkeypatch.setenv("HAVEN_AUTH_SECRET", "x" * 31)
    with pytest.raises(RuntimeError, match="32 bytes"):
        auth_secret()
    monkeypatch.delenv("HAVEN_AUTH_SECRET")
    assert auth_secret() == DEVELOPMENT_SECRET and len(DEVELOPMENT_SECRET.encode()) >= 32


def test_no_token_is_issued_for_longer_than_the_maximum_lifetime(monkeypatch, capsys):
    from haven_kernel.cli import main
    monkeypatch.delenv("HAVEN_MAX_TOKEN_TTL", raising=False)
    assert verify_token("Bearer " + issue_token(org="IOM", scopes=["admin"], ttl_seconds=12 * 3600)).org == "IOM"
    with pytest.raises(ValueError, match="maximum token lifetime"):
        issue_token(org="IOM", scopes=["admin"], ttl_seconds=12 * 3600 + 1)
    assert main(["token", "--org", "IOM", "--scope", "admin", "--ttl", "36500d"]) == 2, "the issue's 100-year token"
    assert "maximum token lifetime" in capsys.readouterr().err
    monkeypatch.setenv("HAVEN_MAX_TOKEN_TTL", "30m")
    with pytest.raises(ValueError, match="1800s"):
        issue_token(org="IOM", scopes=["admin"], ttl_seconds=3600)


def test_a_token_living_longer_than_the_maximum_is_refused_when_verified(monkeypatch):
    monkeypatch.delenv("HAVEN_MAX_TOKEN_TTL", raising=False)
    now = int(time.time())
    year_9999 = 253402300799
    for claims in ({"exp": year_9999, "iat": now}, {"exp": now + 13 * 3600, "iat": now}, {"exp": now + 60}):
        with pytest.raises(Unauthenticated):
            verify_token(signed({"sub": "x", "org": "IOM", "scopes": ["admin"], **claims}))
    assert verify_token(signed({"sub": "x", "org": "IOM", "scopes": ["admin"], "iat": now, "exp": now + 3600}))
    monkeypatch.setenv("HAVEN_MAX_TOKEN_TTL", "30m")
    with pytest.raises(Unauthenticated, match="HAVEN_MAX_TOKEN_TTL"):
        verify_token(signed({"sub": "x", "org": "IOM", "scopes": ["admin"], "iat": now, "exp": now + 3600}))


def test_a_token_needs_an_organisation():
    now = int(time.time())
    for org in ("", "   "):
        with pytest.raises(Unauthenticated, match="organisation"):
            verify_token(signed({"sub": "x", "org": org, "scopes": ["admin"], "iat": now, "exp": now + 60}))


@pytest.mark.parametrize("arguments", [["--sub", "service:registration"], ["--sub", " Service:shelter"],
                                       ["--org", "service:reporting"]])
def test_the_token_command_cannot_mint_a_service_subject(arguments, capsys):
    """Issue 10 finding 6: a ``service:*`` subject may set origin_org (act for another organisation)."""
    from haven_kernel.cli import main
    base = {"--org": "IOM"}
    for flag, value in zip(arguments[::2], arguments[1::2]):
        base[flag] = value
    argv = ["token", "--scope", "admin"] + [item for pair in base.items() for item in pair]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "service" in captured.err


def test_a_service_on_the_development_secret_warns_once_and_a_configured_one_does_not(monkeypatch, caplog):
    from haven_kernel import auth
    monkeypatch.setattr(auth, "_warned_development_secret", False)
    monkeypatch.delenv("HAVEN_AUTH_SECRET", raising=False)
    monkeypatch.setenv("HAVEN_ENV", "development")
    with caplog.at_level("WARNING", logger="haven_kernel.auth"):
        auth.check_secret_at_start()
        auth.check_secret_at_start()  # every entrypoint of the service calls it: one warning per process
    warnings = [r for r in caplog.records if "PUBLIC development secret" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert auth.DEVELOPMENT_SECRET not in warnings[0].getMessage()  # the log names the problem, not the secret

    caplog.clear()
    monkeypatch.setattr(auth, "_warned_development_secret", False)
    monkeypatch.setenv("HAVEN_AUTH_SECRET", "a-production-secret-of-at-least-32-bytes")
    with caplog.at_level("WARNING", logger="haven_kernel.auth"):
        auth.check_secret_at_start()
    assert not caplog.records
    monkeypatch.setenv("HAVEN_ENV", "production")
    monkeypatch.delenv("HAVEN_AUTH_SECRET")
    with pytest.raises(RuntimeError, match="HAVEN_AUTH_SECRET"):
        auth.check_secret_at_start()
