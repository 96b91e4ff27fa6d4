"""deploy/Dockerfile, read as Docker reads its instructions (no engine here to build it): a pinned base, the version
and revision build arguments reaching the service, a HEALTHCHECK that runs a script the image contains and that
finds each service's port, and eventlet's banner kept out of the log. The HEALTHCHECK script is run against real
service processes in tests/system/test_operations.py."""
import re

import pytest

from deploytools import DEPLOY, ROOT
from haven_kernel.logs import QUIET_WARNINGS

pytestmark = pytest.mark.unit

HAVEN_SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))


def instructions():
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [tuple(line.strip().split(None, 1)) for line in joined.splitlines() if line.strip()]


def environment():
    env = {}
    for instruction, arguments in instructions():
        if instruction == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", arguments)))
    return env


def test_the_base_image_is_pinned_to_a_release():
    [(_, base)] = [i for i in instructions() if i[0] == "FROM"]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base), base


def test_the_revision_build_argument_reaches_the_service_and_both_label_the_image():
    args = {a.split("=")[0] for i, a in instructions() if i == "ARG"}
    assert {"SERVICE", "HAVEN_VERSION", "HAVEN_REVISION"} <= args
    assert environment()["HAVEN_REVISION"] == "${HAVEN_REVISION}"  # read by haven_kernel.metrics (haven_build_info)
    labels = " ".join(a for i, a in instructions() if i == "LABEL")
    assert 'org.opencontainers.image.version="${HAVEN_VERSION}"' in labels
    assert 'org.opencontainers.image.revision="${HAVEN_REVISION}"' in labels


def test_the_healthcheck_runs_the_script_the_image_copies():
    [(_, healthcheck)] = [i for i in instructions() if i[0] == "HEALTHCHECK"]
    script = re.search(r'CMD \["python", "([^"]+)"\]', healthcheck).group(1)
    copies = {target: source for i, a in instructions() if i == "COPY" for source, target in [a.split()]}
    assert copies[script] == "deploy/healthcheck.py" and (ROOT / copies[script]).exists()
    assert environment()["HAVEN_APP_DIR"] == "/app", "where the script finds services/<service>/config.yml"
    assert copies["/app/services/${SERVICE}/"] == "services/${SERVICE}/"


@pytest.mark.parametrize("service", HAVEN_SERVICES)
def test_the_healthcheck_finds_each_service_where_its_config_says(service):
    import importlib.util
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    healthcheck = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(healthcheck)
    config = ROOT / "services" / service / "config.yml"
    host, port = healthcheck.service_address(config, environ={})
    assert host == "0.0.0.0" and 8000 <= port <= 8006  # gateway 8006
    moved = healthcheck.service_address(config, environ={f"{service.upper()}_HTTP": "0.0.0.0:18123"})
    assert moved == ("0.0.0.0", 18123)


def test_eventlet_banner_is_kept_out_of_the_log():
    assert environment()["PYTHONWARNINGS"] == QUIET_WARNINGS
