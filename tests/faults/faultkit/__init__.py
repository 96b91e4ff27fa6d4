"""The fault suite's own infrastructure: servers (broker.py, postgres.py, network.py), Haven on them (haven.py), the
partner workload (workload.py), the checker (checker.py), scenarios (scenario.py) and the table (report.py)."""
