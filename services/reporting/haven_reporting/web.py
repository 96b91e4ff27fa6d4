"""Reporting's pages: the dashboard for a signed-in reader, and the sign-in form for anyone else (the kernel's
``Sessions`` sign browsers in and out and keep their sessions; scripts send ``Authorization: Bearer <token>``)."""
import secrets

from haven_kernel.errors import Forbidden, Unauthenticated
from haven_kernel.web import html_response

from . import dashboard, pages

READ_SCOPE = "reporting:read"


def dashboard_page(request, report):
    """GET / for a reader: the dashboard, its script allowed by a nonce, its sign-out form carrying the session's
    CSRF token (none for a script that sent a bearer token)."""
    nonce = secrets.token_urlsafe(16)
    session = request.haven.session
    page = dashboard.render(report, request.haven.caller, nonce, session.csrf_token if session else None)
    return html_response(page, nonce=nonce)


def signin_page(request, error):
    """The error page of GET / and POST /login: for who is not (or no longer) signed in, or whose token does not
    allow reading reports, the sign-in form saying why; any other error is answered as JSON (None)."""
    if not isinstance(error, (Unauthenticated, Forbidden)):
        return None
    sessions = request.haven.sessions
    tried = request.method == "POST" or "Authorization" in request.headers or request.cookies.get(sessions.cookie)
    message = f"Not signed in: {error}." if tried else None
    token = sessions.signin_token(request)
    return sessions.offer_signin(request, html_response(pages.login_page(message, token)), token)
