"""HTTP for Haven services (``haven_kernel.web``): the authenticated ``@http`` entrypoint, its responses, and browser
sessions. See :mod:`.entrypoint` and :mod:`.sessions`; DEVELOPERS.md has the whole API."""
from .entrypoint import HavenHttp, RequestContext, http
from .requests import WebSettings
from .responses import csv_response, error_response, html_response, json_response, redirect
from .sessions import Session, Sessions

__all__ = ["HavenHttp", "RequestContext", "Session", "Sessions", "WebSettings", "csv_response", "error_response",
           "html_response", "http", "json_response", "redirect"]
