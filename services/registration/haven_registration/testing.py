"""Registration under test, for registration's own tests and for other services' tests that need it running."""
from haven_contracts import catalogue
from haven_contracts.testing import site_event
from haven_kernel.testing import ServiceHarness, publish_event, service_config, wait_until


class RegistrationHarness(ServiceHarness):
    tokens = {"writer": (("registration:write", "registration:read"), "IOM", None),
              "reader": (("registration:read",), "IOM", None)}  # IOM: the writer's records (haven_kernel.sharing)

    def open_site(self, **overrides):
        """Open a site as shelter would (its event), and wait until registration's replica has it."""
        data = site_event(**overrides)
        publish_event(self.amqp_uri, catalogue, "shelter", "site_opened", data)
        wait_until(lambda: self.site_known(data["site_id"]), message="site in replica")
        return data["site_id"]

    def site_known(self, site_id, status="open"):
        from .models import SiteReplica
        with self.database.session_factory() as session:
            site = session.get(SiteReplica, site_id)
            return site is not None and site.status == status


def start_registration(amqp_uri, database_url, start_service, **config):
    """The real registration service in-process on ``amqp_uri``, with a fresh database of its own."""
    from .service import RegistrationService
    url = database_url("haven_registration")
    return RegistrationHarness(amqp_uri, url, start_service(RegistrationService, service_config(amqp_uri, url,
                                                                                                **config)))
