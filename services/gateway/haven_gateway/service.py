"""The gateway service: Haven's partner RPC methods over HTTPS/JSON, for partners who cannot speak AMQP (form
tools, DHIS2, spreadsheets, other languages). ``POST /rpc/<service>/<method>`` with the method's keyword arguments as
a JSON object, ``Authorization: Bearer <token>`` (the same tokens as RPC) and, for writes, ``Idempotency-Key``;
``GET /openapi.json`` describes every route (generated from the RPC contracts by ``make docs``)."""
import json
from importlib.resources import files

from haven_contracts import catalogue
from haven_kernel.service import HavenService
from haven_kernel.web import http, json_response

from .forward import forward
from .pool import ClientPool



def openapi_document():
    """The OpenAPI document ``make docs`` writes next to this module (read when asked: ``make docs`` imports this
    module to find the services before the document exists)."""
    return json.loads(files(__package__).joinpath("openapi.json").read_text())


class GatewayService(HavenService):
    name = "gateway"
    catalogue = catalogue  # it emits and handles no event
    sharing_agreements = False  # it keeps no records: nothing to share (and no sharing tables)

    partners = ClientPool()

    @http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return json_response(openapi_document())

    # Any valid token passes here; the service called checks the method's scope (the partner's token goes along).
    @http("POST", "/rpc/<service>/<method>")
    def call(self, request, service, method):
        return forward(self.partners, request, service, method)
