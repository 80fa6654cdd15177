#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or a cluster (neither exists here):
#   - every Kubernetes manifest in deploy/kubernetes against the Kubernetes JSON schemas
#     (kubernetes-validate from PyPI, which bundles them), strictly, for two Kubernetes versions;
#     and kustomization.yaml lists every manifest but the Secret template;
#   - docker-compose.yml, with and without the `observability` profile, by docker-compose itself and
#     against the Compose Specification schema that Debian's docker-compose package ships
#     (/usr/lib/python3/dist-packages/compose/config/compose_spec.json), with check-jsonschema;
#   - the Prometheus configuration and alert rules with promtool (Debian's `prometheus`), and the
#     rules' unit tests in deploy/prometheus/alerts_test.yml;
#   - the Grafana dashboard parses and uses only metrics the services export or have agreed.
# Any failure stops the script with a non-zero status. Tools come from scripts/bootstrap.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.tools/venv"
COMPOSE_SCHEMA=/usr/lib/python3/dist-packages/compose/config/compose_spec.json
# The Kubernetes versions the manifests must be valid for: an older supported one and the newest
# the pinned kubernetes-validate bundles.
KUBE_VERSIONS=(1.30.0 1.37.0)

log() { printf '\033[1;35m[validate]\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31m[validate] FAILED:\033[0m %s\n' "$*" >&2; exit 1; }

for tool in "$VENV/bin/kubernetes-validate" "$VENV/bin/check-jsonschema" "$VENV/bin/python"; do
  [ -x "$tool" ] || fail "$tool is missing: run scripts/bootstrap.sh"
done
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus): run scripts/bootstrap.sh"
command -v docker-compose >/dev/null || fail "docker-compose is missing: run scripts/bootstrap.sh"
[ -f "$COMPOSE_SCHEMA" ] || fail "$COMPOSE_SCHEMA is missing (Debian package docker-compose)"

# ---- Kubernetes ----
mapfile -t manifests < <(find deploy/kubernetes -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml | sort)
[ "${#manifests[@]}" -gt 0 ] || fail "no manifests under deploy/kubernetes"
for version in "${KUBE_VERSIONS[@]}"; do
  log "kubernetes-validate --strict, Kubernetes $version: ${#manifests[@]} files"
  "$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" "${manifests[@]}" \
    || fail "a Kubernetes manifest does not match the $version schemas"
done
"$VENV/bin/python" - "$ROOT/deploy/kubernetes" <<'PY' || fail "deploy/kubernetes/kustomization.yaml"
import pathlib, sys, yaml
root = pathlib.Path(sys.argv[1])
k = yaml.safe_load((root / "kustomization.yaml").read_text())
assert k.get("kind") == "Kustomization", "kind must be Kustomization"
listed = k.get("resources", [])
on_disk = sorted(p.name for p in root.glob("*.yaml") if p.name not in ("kustomization.yaml", "secret.example.yaml"))
missing = [f for f in listed if not (root / f).is_file()]
unlisted = [f for f in on_disk if f not in listed]
assert not missing, f"listed but missing: {missing}"
assert not unlisted, f"manifests not listed: {unlisted}"
assert "secret.example.yaml" not in listed, "the Secret template must not be applied"
kinds = {}
for f in listed:
    for doc in yaml.safe_load_all((root / f).read_text()):
        kinds.setdefault(doc["kind"], []).append(doc["metadata"]["name"])
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "hotline", f"{f}: {doc['metadata']['name']} not in namespace hotline"
deployments = sorted(kinds.get("Deployment", []))
assert deployments == ["accountability", "intake", "notification", "routing", "warehouse"], deployments
assert sorted(kinds.get("PodDisruptionBudget", [])) == deployments, "one PodDisruptionBudget per Deployment"
assert sorted(kinds.get("Service", [])) == deployments, "one Service per Deployment"
print(f"kustomization.yaml: {len(listed)} files, kinds {', '.join(f'{k}×{len(v)}' for k, v in sorted(kinds.items()))}")
PY

# ---- docker-compose ----
export HOTLINE_DB_PASSWORD=validation-only
resolved="$(mktemp -d)"
trap 'rm -rf "$resolved"' EXIT
log "docker-compose config (default and observability profile)"
docker-compose -f docker-compose.yml config -q || fail "docker-compose.yml (default profile)"
docker-compose -f docker-compose.yml --profile observability config > "$resolved/observability.yml" \
  || fail "docker-compose.yml (observability profile)"
services="$(docker-compose -f docker-compose.yml --profile observability config --services | sort | tr '\n' ' ')"
[ "$services" = "accountability grafana intake kafka notification postgres prometheus routing warehouse " ] \
  || fail "unexpected compose services with the observability profile: $services"
log "docker-compose's PostgreSQL runs with deploy/postgres/hotline.conf"
"$VENV/bin/python" - "$ROOT" <<'PY' || fail "docker-compose.yml: postgres command differs from deploy/postgres/hotline.conf"
import pathlib, sys, yaml
root = pathlib.Path(sys.argv[1])
sys.path.insert(0, str(root / "scripts"))
from hotline_load.stack import postgres_settings
wanted = [f"{name}={value}" for name, value in postgres_settings(str(root))]
command = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]["postgres"]["command"]
given = [command[i + 1] for i, part in enumerate(command) if part == "-c"]
assert command[0] == "postgres", command
assert sorted(given) == sorted(wanted), f"compose passes {given}, hotline.conf says {wanted}"
PY
log "check-jsonschema against the Compose Specification schema (Debian docker-compose $(dpkg-query -W -f='${Version}' docker-compose))"
"$VENV/bin/check-jsonschema" --schemafile "$COMPOSE_SCHEMA" docker-compose.yml "$resolved/observability.yml" \
  || fail "docker-compose.yml does not match the Compose Specification schema"

# ---- Prometheus ----
log "promtool ($(promtool --version 2>&1 | head -n1 | awk '{print $3}')): config, rules, rule unit tests"
# The config names the rules at their container path; check a copy that points at the repository's file.
sed "s#/etc/prometheus/alerts.yml#$ROOT/deploy/prometheus/alerts.yml#" deploy/prometheus/prometheus.yml > "$resolved/prometheus.yml"
promtool check config "$resolved/prometheus.yml" || fail "deploy/prometheus/prometheus.yml"
promtool check rules deploy/prometheus/alerts.yml || fail "deploy/prometheus/alerts.yml"
(cd deploy/prometheus && promtool test rules alerts_test.yml) || fail "deploy/prometheus/alerts_test.yml"

# ---- Grafana ----
log "Grafana dashboard and alert metrics"
"$VENV/bin/python" scripts/check_observability.py "$ROOT" || fail "dashboard or alert rules refer to unknown metrics"

log "deployment files: valid"
