"""The Kubernetes example in deploy/k8s/: schema-valid (kubernetes-validate, offline, strict)
and saying what docs/deploy.md says: cookie affinity, probes on /_stcore/health, one shared
cookie secret, ports and labels that line up. No cluster is involved."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml
from streamlit import config as st_config

from tests.deploy.dockerfile import ROOT, env_values, instructions

MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
KUBERNETES_VERSION = "1.37.0"
APP = {"app.kubernetes.io/name": "timestep-lab"}


def resources(name: str = "timestep-lab") -> dict[str, dict]:
    """The example's resources called ``name``, by kind (the app's, or class mode's Redis)."""
    found = {}
    for path in MANIFESTS:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["metadata"]["name"] == name:
                assert doc["kind"] not in found, (name, doc["kind"])
                found[doc["kind"]] = doc
    return found


RESOURCES = resources()
REDIS = resources("timestep-lab-redis")


def container() -> dict:
    (only,) = RESOURCES["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def streamlit_env_names() -> set[str]:
    """Every STREAMLIT_<SECTION>_<OPTION> variable Streamlit reads (server.cookieSecret ->
    STREAMLIT_SERVER_COOKIE_SECRET)."""
    names = set()
    for key in st_config._config_options_template:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key.replace(".", "_"))
        names.add(f"STREAMLIT_{snake.upper()}")
    return names


def test_manifests_pass_the_schema_check():
    # kubernetes-validate ships the schemas: nothing is fetched. Missing is a failure.
    try:
        import kubernetes_validate  # noqa: F401
    except ImportError:
        pytest.fail("kubernetes-validate is not installed: install requirements-dev.txt")
    assert MANIFESTS, "no manifests in deploy/k8s/"
    done = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", KUBERNETES_VERSION]
        + [str(p) for p in MANIFESTS],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" in done.stdout + done.stderr


def test_the_schema_check_rejects_a_misspelt_field(tmp_path):
    # The check above is worth something only if strict mode catches a typo.
    bad = tmp_path / "deployment.yaml"
    text = (ROOT / "deploy" / "k8s" / "deployment.yaml").read_text()
    bad.write_text(text.replace("readinessProbe:", "readynessProbe:"))
    done = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0


def test_every_piece_of_the_example_is_there():
    assert {"Deployment", "Service", "Ingress", "Secret"} <= set(RESOURCES)


def test_probes_ask_streamlit_health_on_the_app_port():
    c = container()
    (port,) = c["ports"]
    assert port["containerPort"] == 8501
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = c[probe]["httpGet"]
        assert check["path"] == "/_stcore/health", probe
        assert check["port"] in (port["name"], 8501), probe


def test_resources_and_security_fit_the_image():
    c = container()
    assert {"cpu", "memory"} <= set(c["resources"]["requests"])
    assert {"cpu", "memory"} <= set(c["resources"]["limits"])
    pod = RESOURCES["Deployment"]["spec"]["template"]["spec"]
    user = next(ins.args for ins in reversed(instructions()) if ins.keyword == "USER")
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == user.split(":")[0]
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    # torch must not start a thread per node core inside a CPU-limited pod.
    env = {e["name"]: e for e in c["env"]}
    assert env["OMP_NUM_THREADS"]["value"] == str(int(float(c["resources"]["limits"]["cpu"])))


def test_every_replica_gets_the_same_cookie_secret_from_the_secret():
    env = {e["name"]: e for e in container()["env"]}
    ref = env["STREAMLIT_SERVER_COOKIE_SECRET"]["valueFrom"]["secretKeyRef"]
    secret = RESOURCES["Secret"]
    assert ref["name"] == secret["metadata"]["name"]
    assert ref["key"] in secret["stringData"]
    # The repository holds a placeholder, never a real secret.
    assert secret["stringData"][ref["key"]].startswith("REPLACE-ME")


def test_streamlit_variables_name_real_options():
    known = streamlit_env_names()
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in known
    names = [e["name"] for e in container()["env"]] + list(env_values(instructions()))
    for name in names:
        if name.startswith("STREAMLIT_"):
            assert name in known, name


def test_ingress_keeps_each_browser_on_one_replica_through_the_service():
    ingress = RESOURCES["Ingress"]
    notes = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert notes[prefix + "affinity"] == "cookie"
    assert notes[prefix + "affinity-mode"] == "persistent"
    assert notes[prefix + "session-cookie-name"]
    # WebSockets of a lesson outlive nginx's 60 s default.
    assert int(notes[prefix + "proxy-read-timeout"]) >= 3600
    assert int(notes[prefix + "proxy-send-timeout"]) >= 3600

    service = RESOURCES["Service"]
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert backend["port"]["name"] in service_ports
    target = service_ports[backend["port"]["name"]]["targetPort"]
    assert target in (container()["ports"][0]["name"], 8501)


def test_labels_and_selectors_line_up():
    deployment = RESOURCES["Deployment"]
    assert deployment["spec"]["selector"]["matchLabels"] == APP
    assert deployment["spec"]["template"]["metadata"]["labels"] == APP
    assert RESOURCES["Service"]["spec"]["selector"] == APP
    if "PodDisruptionBudget" in RESOURCES:
        assert RESOURCES["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == APP


def test_every_replica_keeps_class_rooms_in_the_one_redis():
    from timestep_lab.classroom.store import RedisStore, open_store
    from timestep_lab.ui.classroom import STORE_SETTING

    assert {"Deployment", "Service", "NetworkPolicy"} <= set(REDIS)
    env = {e["name"]: e for e in container()["env"]}
    url = env[STORE_SETTING]["value"]
    service = REDIS["Service"]
    (port,) = service["spec"]["ports"]
    assert url == f"redis://{service['metadata']['name']}:{port['port']}/0"
    store = open_store(url)  # the app reads it as a Redis store (connects lazily)
    assert isinstance(store, RedisStore)
    store.close()
    # The Redis pods are not picked up by the app's Service or disruption budget, and the
    # Redis Service finds them.
    pod_labels = REDIS["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert RESOURCES["Service"]["spec"]["selector"].items() - pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (redis,) = REDIS["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert port["targetPort"] in (redis["ports"][0]["name"], redis["ports"][0]["containerPort"])
    # Only the app's pods may connect.
    (rule,) = REDIS["NetworkPolicy"]["spec"]["ingress"]
    (source,) = rule["from"]
    assert source["podSelector"]["matchLabels"] == APP
    assert (
        REDIS["NetworkPolicy"]["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    )
    # Rooms are never evicted to make room: writes are refused instead (a note in the app).
    args = redis["args"]
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"


def ingress_headers() -> dict[str, str]:
    """The response headers the Ingress sets (``more_set_headers`` in its snippet)."""
    import re

    notes = RESOURCES["Ingress"]["metadata"]["annotations"]
    snippet = notes["nginx.ingress.kubernetes.io/configuration-snippet"]
    lines = re.findall(r'more_set_headers "([^"]+)";', snippet)
    assert len(lines) == len([x for x in snippet.splitlines() if x.strip()])  # nothing else
    return dict(line.split(": ", 1) for line in lines)


def test_ingress_sends_the_security_headers_streamlit_does_not():
    headers = ingress_headers()
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = dict(
        (part.split()[0], part.split()[1:])
        for part in headers["Content-Security-Policy"].split("; ")
    )
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]  # the WebSocket and uploads go to this origin only
    for directive, sources in policy.items():
        assert not any(s in ("*", "http:", "https:") for s in sources), directive
