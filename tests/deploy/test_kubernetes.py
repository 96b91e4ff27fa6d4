"""deploy/k8s, rendered with kustomize (kubectl's built-in, offline) and validated against the Kubernetes API
schemas that kubernetes-validate ships (offline, strict: unknown fields are errors), then checked for what an
operator relies on: probes, resources, non-root read-only containers, Secrets referenced and not shipped, selectors
that match, a migration Job, a PodDisruptionBudget and an autoscaler per service."""
import importlib.util

import kubernetes_validate
import pytest
import yaml

from deploytools import DEPLOY, ROOT, run, tool

pytestmark = pytest.mark.unit

K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.31.0"
HAVEN_SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
CUSTOM_KINDS = {"PodMonitor"}  # Prometheus Operator: no schema in kubernetes-validate, checked below instead


def kustomize(path):
    result = run(tool("kubectl"), "kustomize", str(path))
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def by_kind(documents, kind):
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def generator():
    spec = importlib.util.spec_from_file_location("haven_k8s", K8S / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validate(documents):
    errors = []
    for document in documents:
        if document["kind"] in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{document['kind']}/{document['metadata']['name']}: {exc.message} at {list(exc.path)}")
    return errors


@pytest.fixture(scope="module")
def base():
    return kustomize(K8S / "base")


@pytest.fixture(scope="module")
def overlay():
    return kustomize(K8S / "overlays" / "example")


def test_the_base_is_what_the_generator_writes():
    k8s = generator()
    wanted = {path: k8s.render(document) for path, document in k8s.build().items()}
    present = {str(p.relative_to(K8S / "base")) for p in (K8S / "base").rglob("*.yaml")}
    assert present == set(wanted), "run: python deploy/k8s/generate.py"
    for path, text in wanted.items():
        assert (K8S / "base" / path).read_text() == text, f"base/{path}: run python deploy/k8s/generate.py"


@pytest.mark.parametrize("which", ["base", "overlay"])
def test_every_rendered_resource_is_valid_kubernetes(which, request):
    documents = request.getfixturevalue(which)
    assert len(documents) >= 6 * len(HAVEN_SERVICES)
    assert validate(documents) == []


def test_a_wrong_field_is_caught():
    deployment = yaml.safe_load((K8S / "base" / "shelter" / "deployment.yaml").read_text())
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/health"
    deployment["spec"]["replicas"] = "two"
    assert len(validate([deployment])) == 1


def test_each_service_has_its_deployment_service_job_budget_and_autoscaler(overlay):
    deployments, services = by_kind(overlay, "Deployment"), by_kind(overlay, "Service")
    jobs, budgets, scalers = by_kind(overlay, "Job"), by_kind(overlay, "PodDisruptionBudget"), \
        by_kind(overlay, "HorizontalPodAutoscaler")
    for name in HAVEN_SERVICES:
        deployment = deployments[f"haven-{name}"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        assert services[f"haven-{name}"]["spec"]["selector"].items() <= pod_labels.items()
        assert budgets[f"haven-{name}"]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        assert budgets[f"haven-{name}"]["spec"]["minAvailable"] < deployment["spec"]["replicas"]
        target = scalers[f"haven-{name}"]["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", f"haven-{name}")
        queue_metric = [m for m in scalers[f"haven-{name}"]["spec"]["metrics"] if m["type"] == "External"][0]
        assert queue_metric["external"]["metric"]["name"] == "haven_queue_messages"
        assert queue_metric["external"]["metric"]["selector"]["matchLabels"] == {"service": name, "kind": "consumer"}
        migrate = jobs[f"haven-{name}-migrate"]["spec"]["template"]["spec"]["containers"][0]
        assert migrate["command"] == ["haven", "migrate", name]
        assert migrate["image"] == deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert migrate["image"].startswith(f"registry.example.org/haven/{name}:")


def test_pods_run_as_non_root_on_a_read_only_filesystem_with_probes_and_resources(overlay):
    pods = [d["spec"]["template"]["spec"] for d in overlay if d["kind"] in ("Deployment", "Job")]
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True
            assert security["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"]["memory"] and container["resources"]["limits"]["memory"]
    for deployment in by_kind(overlay, "Deployment").values():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health"
        assert container["livenessProbe"]["httpGet"]["port"] == container["ports"][0]["name"] == "http"
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_secrets_are_referenced_never_shipped(base, overlay):
    for documents in (base, overlay):
        assert not by_kind(documents, "Secret")
    referenced = set()
    for document in overlay:
        if document["kind"] not in ("Deployment", "Job"):
            continue
        for container in document["spec"]["template"]["spec"]["containers"]:
            referenced |= {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
            referenced |= {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", [])
                           if "secretKeyRef" in e.get("valueFrom", {})}
    assert referenced == {"haven-platform", "haven-rabbitmq-admin"} | {f"haven-{s}" for s in HAVEN_SERVICES}
    readme = (K8S / "README.md").read_text()
    for name in referenced:
        assert f"kubectl create secret generic {name}" in readme, f"README does not say how to create {name}"


def test_config_maps_the_pods_read_exist(overlay):
    config_maps = set(by_kind(overlay, "ConfigMap"))
    for document in overlay:
        if document["kind"] not in ("Deployment", "Job"):
            continue
        spec = document["spec"]["template"]["spec"]
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps


def test_the_broker_policies_shipped_to_the_cluster_are_the_repository_ones(overlay):
    policies = by_kind(overlay, "ConfigMap")["haven-broker-policies"]["data"]
    assert policies["policies.json"] == (DEPLOY / "rabbitmq" / "policies.json").read_text()
    assert policies["apply_policies.py"] == (DEPLOY / "rabbitmq" / "apply_policies.py").read_text()


def test_the_pod_monitor_scrapes_the_service_pods_as_job_haven(overlay):
    monitor = by_kind(overlay, "PodMonitor")["haven"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    for deployment in by_kind(overlay, "Deployment").values():
        template = deployment["spec"]["template"]
        assert selector.items() <= template["metadata"]["labels"].items()
        assert monitor["spec"]["podMetricsEndpoints"][0]["port"] in \
            {p["name"] for p in template["spec"]["containers"][0]["ports"]}
    relabel = {r["targetLabel"]: r for r in monitor["spec"]["podMetricsEndpoints"][0]["relabelings"]}
    assert relabel["job"]["replacement"] == "haven"
    assert relabel["service"]["sourceLabels"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]


def test_the_overlay_changes_what_it_says(base, overlay):
    assert all(d["metadata"].get("namespace") == "haven-example" for d in overlay if d["kind"] != "Namespace")
    assert by_kind(base, "HorizontalPodAutoscaler")["haven-reporting"]["spec"]["maxReplicas"] == 4
    assert by_kind(overlay, "HorizontalPodAutoscaler")["haven-reporting"]["spec"]["maxReplicas"] == 6
    reporting = by_kind(overlay, "Deployment")["haven-reporting"]["spec"]["template"]["spec"]["containers"][0]
    assert reporting["resources"]["limits"]["memory"] == "1Gi"
    assert reporting["livenessProbe"]["httpGet"]["path"] == "/health/live"  # the patch merged, did not replace


def test_broker_setup_declares_queues_of_the_type_the_services_declare(overlay):
    """A queue's type is fixed by its first declaration; any other declaration with another type is refused."""
    config_maps = by_kind(overlay, "ConfigMap")
    wanted = config_maps["haven-broker"]["data"]["HAVEN_QUEUE_TYPE"]
    assert wanted == "quorum"
    for name in HAVEN_SERVICES:
        assert config_maps[f"haven-{name}"]["data"]["HAVEN_QUEUE_TYPE"] == wanted
