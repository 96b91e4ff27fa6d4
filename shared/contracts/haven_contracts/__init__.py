"""Haven's contracts: what services agree on, apart from the kernel that carries it.

* one module per producing service (``registration``, ``shelter``, ...): its event schemas, who consumes each event
  (``EVENTS``) and the vocabulary its events use (site types, departure reasons, ...);
* :mod:`.reference`: lists every service shares (sexes, age bands, UNHCR specific-needs codes) and age helpers;
* :mod:`.standards`: the Sphere minimum-standards indicators;
* :mod:`.personal`: the names of personal-data fields, which logs redact.

``catalogue`` holds every module's ``EVENTS``: a module of this package that defines ``EVENTS`` is a producer, so
adding a service's events means adding its module here. ``docs/events.md`` is generated from it (``make docs``).
"""
import importlib
import pkgutil

from haven_kernel.events import Catalogue


def _producers():
    """The modules of this package that define ``EVENTS``, by name (one per producing service)."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "EVENTS"):
            found.append(module)
    return found


PRODUCERS = _producers()
catalogue = Catalogue.of(*(event for module in PRODUCERS for event in module.EVENTS))
