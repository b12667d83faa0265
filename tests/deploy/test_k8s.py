"""Offline checks of the Kubernetes manifests (deploy/k8s/): schemas, and agreement with the rest.

Built-in kinds are validated by `kubernetes-validate --strict` against the Kubernetes schemas
it bundles; KServe's InferenceService, whose CRD it does not bundle, against
deploy/k8s/kserve/inferenceservice.schema.json, written from KServe's documented fields.
Then the manifests must agree with each other and with the compose stack, the contract and
serving/config.
"""

import importlib.metadata
import json
import pathlib
import subprocess
import sys

import jsonschema
import pytest
import yaml

from common import contract

REPO = pathlib.Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
KINDS = {doc["kind"]: doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text())}
VALIDATE = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet"]


def test_k8s_builtin_manifests_pass_kubernetes_validate_strict():
    result = subprocess.run(VALIDATE + [str(p) for p in MANIFESTS], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(KINDS) == {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Job",
        "PersistentVolumeClaim",
        "Service",
    }


def test_k8s_validation_refuses_an_unknown_field(tmp_path):
    broken = json.loads(json.dumps(KINDS["Deployment"]))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = subprocess.run(VALIDATE + [str(path)], capture_output=True, text=True)
    assert result.returncode != 0 and "readinessprobe" in result.stdout + result.stderr


def _inference_service():
    schema = json.loads((K8S / "kserve" / "inferenceservice.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    document = yaml.safe_load((K8S / "kserve" / "inferenceservice.yaml").read_text())
    return jsonschema.Draft202012Validator(schema), document


def test_k8s_inference_service_matches_kserve_schema_and_the_pvc():
    validator, service = _inference_service()
    validator.validate(service)
    model = service["spec"]["predictor"]["model"]
    claim = KINDS["PersistentVolumeClaim"]["metadata"]["name"]
    assert model["storageUri"] == f"pvc://{claim}/{contract.MODEL_NAME}"
    assert service["metadata"]["name"] == contract.MODEL_NAME  # KServe serves it by this name
    assert model["runtimeVersion"] == importlib.metadata.version("tensorflow-serving-api")


@pytest.mark.parametrize(
    "path, value",
    [(("spec", "predictor", "model", "storgeUri"), "pvc://x"), (("kind",), "Service")],
)
def test_k8s_inference_service_schema_refuses_bad_fields(path, value):
    validator, service = _inference_service()
    target = service
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(service)


def _container():
    return KINDS["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def test_k8s_deployment_serves_the_compose_image_with_its_flags_and_config():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["tfserving"]
    tag = importlib.metadata.version("tensorflow-serving-api")
    assert _container()["image"] == f"tensorflow/serving:{tag}"
    assert _container()["args"] == compose["command"]
    data = KINDS["ConfigMap"]["data"]
    assert data == {p.name: p.read_text() for p in (REPO / "serving" / "config").glob("*")}


def test_k8s_probes_check_model_availability_and_the_ports_agree():
    container = _container()
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["tfserving"]
    # Readiness and startup run compose's healthcheck: the REST status says AVAILABLE.
    for probe in ("readinessProbe", "startupProbe"):
        assert container[probe]["exec"]["command"] == compose["healthcheck"]["test"][1:]
    assert container["livenessProbe"]["tcpSocket"]["port"] == "grpc"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"grpc": contract.GRPC_PORT, "http": contract.REST_PORT}
    service = KINDS["Service"]["spec"]
    assert {p["name"]: (p["port"], p["targetPort"]) for p in service["ports"]} == {
        "grpc": (contract.GRPC_PORT, "grpc"),
        "http": (contract.REST_PORT, "http"),
    }


def test_k8s_selectors_hpa_and_volumes_point_at_each_other():
    deployment = KINDS["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert KINDS["Service"]["spec"]["selector"] == labels
    target = KINDS["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    claim = KINDS["PersistentVolumeClaim"]["metadata"]["name"]
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["models"]["persistentVolumeClaim"] == {"claimName": claim, "readOnly": True}
    assert volumes["config"]["configMap"]["name"] == KINDS["ConfigMap"]["metadata"]["name"]
    mounts = {m["name"]: m["mountPath"] for m in _container()["volumeMounts"]}
    assert mounts == {"models": "/models", "config": "/config"}
    # The export Job writes the base path models.config names, on the same claim.
    job = KINDS["Job"]["spec"]["template"]["spec"]
    assert job["volumes"][0]["persistentVolumeClaim"]["claimName"] == claim
    args = job["containers"][0]["args"]
    assert args[args.index("--export-base") + 1] == "/models/mnist"
    assert 'base_path: "/models/mnist"' in KINDS["ConfigMap"]["data"]["models.config"]
