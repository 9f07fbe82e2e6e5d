#!/usr/bin/env bash
# The test suite (README.md "Test": `./run test` sets up, then runs this): static checks,
# the chart's checks and the dependency audit, then every test against the
# embedded stack (Tansu + embedded PostgreSQL), then the broker-facing tests again against
# a real Apache Kafka in KRaft mode fetched with Maven (deploy/local/apache-kafka.sh).
# Browser tests save screenshots under test-artifacts/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}

echo "== static checks: ruff, mypy --strict"
"$PY" -m ruff check .
"$PY" -m ruff format --check .
"$PY" -m mypy shared services tests bench

echo "== the Helm chart: lint, render, kubeconform, policy; hadolint (deploy/helm/check.sh)"
PYTHON="$PY" bash deploy/helm/check.sh

echo "== known vulnerabilities in the locked dependencies (./run audit)"
./run audit

# The browser tests (tests/browser) drive Debian's chromium; install it when missing and we
# can (root with apt-get), else they skip with the reason.
chromium=${COMMISSIONING_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Debian's chromium for the browser tests (apt-get install chromium)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } ||
      echo "== could not install chromium: the browser tests will be skipped"
  else
    echo "== no chromium at $chromium and no way to install it (needs root and apt-get):" \
      "the browser tests will be skipped"
  fi
fi

echo "== all tests on the embedded stack (Tansu broker, embedded PostgreSQL)"
# Group joins on Tansu take about half the session timeout (docs/stack-facts.md).
KAFKA_SESSION_TIMEOUT_MS=2000 KAFKA_HEARTBEAT_INTERVAL_MS=500 \
  "$PY" -m pytest -q -p no:cacheprovider "$@"

if [ "${SKIP_APACHE_KAFKA:-}" = "1" ]; then
  echo "== SKIP_APACHE_KAFKA=1: not running the Apache Kafka pass"
  exit 0
fi

echo "== broker-facing tests on Apache Kafka (KRaft, single node)"
export PYTHON="$PY"
# Every test makes its own prefixed topics (well over a thousand partitions by the end of
# the pass, all kept: no deletion by age), which outgrows the script's 512 MB default heap.
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms512m -Xmx2g}"
eval "$(bash deploy/local/apache-kafka.sh start)"
trap 'bash deploy/local/apache-kafka.sh stop >/dev/null 2>&1 || true' EXIT
# Apache Kafka supports the idempotent producer (Tansu does not) and refuses session
# timeouts below group.min.session.timeout.ms (6 s).
KAFKA_BOOTSTRAP_SERVERS="$KAFKA_BOOTSTRAP_SERVERS" KAFKA_ENABLE_IDEMPOTENCE=true \
KAFKA_SESSION_TIMEOUT_MS=6000 KAFKA_HEARTBEAT_INTERVAL_MS=1000 \
  "$PY" -m pytest -q -p no:cacheprovider -m "broker and not browser" "$@"
