"""A sudden-onset disaster played against a running Haven through the partner RPC API, and the situation report it
should produce, computed from the scenario's own inputs (never from what the services answer).

A cyclone makes landfall near Beira. Families shelter in a school and an evacuation centre in Beira; camps open in
Buzi, Dondo and in Manica province; partners (IOM, the Mozambique Red Cross, UNHCR, World Vision) register a few
hundred households; Grudja fills up and families queue for a tent; the school reopens, so its families move to
Mandruzi and the school closes as a site; some queueing families move to Guara Guara or leave; some families return
home; babies are born; site monitoring records latrines and water.

    python -m tools.scenario            # what ``make demo`` runs (from the repository root), against ``make run``

The system test (``tests/system/test_reporting_scenario.py``) plays it against the services as processes and checks
every figure of the sitrep against :meth:`CycloneScenario.expected`.

* :mod:`.plan`: the sites, the families, how a family is composed;
* :mod:`.play`: :class:`CycloneScenario` (playing it, phase by phase), ``scenario_tokens``, ``rpc_connector``;
* :mod:`.expected`: the sitrep it must produce;
* :mod:`.compare`: ``differences``, ``wait_for_sitrep``, ``sitrep_table``;
* :mod:`.__main__`: the demo.
"""
from .compare import differences, sitrep_table, wait_for_sitrep
from .plan import ScenarioError
from .play import CycloneScenario, rpc_connector, scenario_tokens

__all__ = ["CycloneScenario", "ScenarioError", "differences", "rpc_connector", "scenario_tokens", "sitrep_table",
           "wait_for_sitrep"]
