#!/usr/bin/env bash
# Start openbss on a fresh database with authentication on and run the TM Forum
# conformance kits of every API implemented so far. Fails on any CTK failure.
# Usage: .ci/ctk.sh [KIT ...]   (default: every kit; CTK_KITS="..." also chooses)
set -euo pipefail
cd "$(dirname "$0")/.."
ALL_KITS="TMF632 TMF629 TMF669 TMF666 TMF620 TMF637 TMF622 TMF663"
if [ "$#" -gt 0 ]; then
  KITS="$*"
else
  KITS=${CTK_KITS:-$ALL_KITS}
fi
PORT=${CTK_PORT:-8642}
DBFILE=$(mktemp -d)/ctk.db
DB_URL=${CTK_DATABASE_URL:-sqlite:///$DBFILE}
LOG=$(mktemp)
# The kits' example payloads name parties that exist only in the kit authors' systems
# (engagedParty "500", relatedParty "6838", ...). Reference checks are switched off
# for this run only; they are on by default (see docs/configuration.md).
export OPENBSS_REFERENCE_CHECK=off
export OPENBSS_AUTH=on
.venv/bin/openbss db upgrade --database "$DB_URL" >/dev/null
.venv/bin/openbss serve --port "$PORT" --database "$DB_URL" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/health" >/dev/null || { echo "server did not start:"; cat "$LOG"; exit 1; }
TOKEN=$(.venv/bin/openbss token create --role admin --subject ctk)
# Kits that only read get their example data first (.ci/ctk-seed/<KIT>.json).
# shellcheck disable=SC2086
python3 .ci/ctk_seed.py "http://127.0.0.1:$PORT" "$TOKEN" $KITS
# Some kits' config.json (TMF620, TMF635) carry the kit authors' placeholder token
# ("Authorization: Bearer 1321321"); newman would send it beside ours and the server reads the
# first. Run a temporary copy of the kits without that header (../shared itself is not changed).
CTK_DIR=$(mktemp -d)
cp -r ../shared/ctk/. "$CTK_DIR"
python3 - "$CTK_DIR" <<'PY'
import json, pathlib, sys
for cfg in pathlib.Path(sys.argv[1], "kits").glob("*/config.json"):
    data = json.loads(cfg.read_text())
    if data.get("headers", {}).pop("Authorization", None) is not None:
        cfg.write_text(json.dumps(data))
PY
# shellcheck disable=SC2086
python3 "$CTK_DIR/run_ctk.py" ${CTK_REPORT_DIR:+--report-dir "$CTK_REPORT_DIR"} --server "http://127.0.0.1:$PORT" -H "Authorization: Bearer $TOKEN" $KITS
