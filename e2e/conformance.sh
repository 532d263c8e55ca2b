#!/usr/bin/env bash
# Okta's SCIM 2.0 SPEC test against a freshly started server, through Stoplight
# Prism validating every response against Okta's SCIM OpenAPI (make conformance).
#
# For each database kind (SQLite always; PostgreSQL too when TEST_DATABASE_URL
# is set, on a database created for the run and dropped after it):
#   1. bin/seatdesk serve -migrate -demo on a free 127.0.0.1 port;
#   2. seatdesk scim-token create --org acme;
#   3. prism proxy SCIM-20-OPENAPI.yaml http://127.0.0.1:PORT/scim/v2 on another port;
#   4. newman runs the collection through Prism with a JSON report.
# It fails unless all 53 assertions pass and Prism reported no violation
# (read from the sl-violations header Prism adds to each answer it finds at
# fault, and from Prism's log). Prism runs without --errors so that the
# server's own answers reach newman unchanged.
#
# Needs bin/seatdesk (make build) and node_modules (npm ci).
# CONFORMANCE_KEEP=1 keeps the work directory (reports and logs) for inspection.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

okta=e2e/conformance/okta
collection=$okta/okta-scim20-spec.postman_collection.json
openapi=$okta/SCIM-20-OPENAPI.yaml
bin=bin/seatdesk
newman=node_modules/.bin/newman
prism=node_modules/.bin/prism
expected_assertions=53

die() {
	echo "conformance: $*" >&2
	exit 1
}

[[ -x $bin ]] || die "$bin is missing: run 'make build' (or 'make conformance')"
[[ -x $newman && -x $prism ]] || die "newman or prism is missing: run 'npm ci --no-audit --no-fund'"

work=$(mktemp -d "${TMPDIR:-/tmp}/seatdesk-conformance.XXXXXX")
pids=()
dbs=()
cleanup() {
	local status=$?
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		# Bounded: a process still alive after 10 s is killed.
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	for db in "${dbs[@]}"; do
		psql "$TEST_DATABASE_URL" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null ||
			echo "conformance: could not drop database $db" >&2
	done
	if [[ ${CONFORMANCE_KEEP:-} == 1 ]]; then
		echo "conformance: reports and logs kept in $work" >&2
	else
		rm -rf "$work"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_http URL SECONDS PID LOG: until URL answers (any status), PID must stay alive.
wait_http() {
	local url=$1 limit=$2 pid=$3 log=$4 deadline=$((SECONDS + $2))
	until node -e 'fetch(process.argv[1]).then(()=>process.exit(0),()=>process.exit(1))' "$url" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "conformance: the process serving $url exited; its log:" >&2
			tail -n 40 "$log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "conformance: $url did not answer within ${limit}s; log:" >&2
			tail -n 40 "$log" >&2
			return 1
		fi
		sleep 0.3
	done
}

# wait_log FILE TEXT SECONDS PID: until FILE contains TEXT (Prism says it
# listens; a probe request would itself be logged as a violation).
wait_log() {
	local file=$1 text=$2 limit=$3 pid=$4 deadline=$((SECONDS + $3))
	until grep -qF "$text" "$file" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "conformance: the process writing $file exited; its log:" >&2
			tail -n 40 "$file" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "conformance: no \"$text\" in $file within ${limit}s; log:" >&2
			tail -n 40 "$file" >&2
			return 1
		fi
		sleep 0.3
	done
}

# run_kind KIND DATABASE_URL: one full run; prints the summary line.
run_kind() {
	local kind=$1 dburl=$2 dir="$work/$1"
	mkdir -p "$dir"
	local port pport
	port=$(free_port)
	pport=$(free_port)
	while [[ $pport == "$port" ]]; do pport=$(free_port); done

	DATABASE_URL=$dburl SEATDESK_ADDR=127.0.0.1:$port SEATDESK_BASE_URL=http://127.0.0.1:$port \
		"$bin" serve -migrate -demo >"$dir/server.log" 2>&1 &
	local server=$!
	pids+=("$server")
	wait_http "http://127.0.0.1:$port/healthz" 60 "$server" "$dir/server.log" || return 1

	local token
	token=$(DATABASE_URL=$dburl timeout 60 "$bin" scim-token create --org acme --name "okta-conformance" 2>"$dir/token.log" | tail -n 1) ||
		{ cat "$dir/token.log" >&2; die "$kind: could not create a SCIM token"; }
	[[ -n $token ]] || die "$kind: scim-token create printed no token"

	"$prism" proxy --host 127.0.0.1 --port "$pport" --errors=false --multiprocess=false \
		"$openapi" "http://127.0.0.1:$port/scim/v2" >"$dir/prism.log" 2>&1 &
	local proxy=$!
	pids+=("$proxy")
	wait_log "$dir/prism.log" "Prism is listening on" 90 "$proxy" || return 1

	local rc=0
	timeout 300 "$newman" run "$collection" \
		--env-var "SCIMBaseURL=http://127.0.0.1:$pport" --env-var "auth=Bearer $token" \
		--reporters cli,json --reporter-json-export "$dir/newman.json" \
		--timeout-request 30000 --timeout 240000 --disable-unicode --color off \
		>"$dir/newman.log" 2>&1 || rc=$?

	kill -TERM "$proxy" "$server" 2>/dev/null || true

	if [[ ! -s $dir/newman.json ]]; then
		cat "$dir/newman.log" >&2
		die "$kind: newman wrote no report (exit $rc)"
	fi
	# The verdict: assertions from newman's report; violations from the
	# sl-violations headers of the answers and from Prism's log.
	local verdict=0
	node - "$kind" "$dir/newman.json" "$dir/prism.log" "$expected_assertions" >"$dir/verdict.txt" 2>&1 <<'EOF' || verdict=$?
const fs = require('fs');
const [kind, reportPath, prismLog, expected] = process.argv.slice(2);
const run = JSON.parse(fs.readFileSync(reportPath, 'utf8')).run;
let total = 0, passed = 0;
const failures = [], violations = [];
for (const ex of run.executions) {
  const name = ex.item && ex.item.name;
  for (const a of ex.assertions || []) {
    total++;
    if (a.error) failures.push(`${name}: ${a.assertion}: ${a.error.message}`);
    else if (!a.skipped) passed++;
  }
  for (const h of (ex.response && ex.response.header) || []) {
    if (h.key.toLowerCase() !== 'sl-violations') continue;
    let list;
    try { list = JSON.parse(h.value); } catch { list = [{ message: h.value }]; }
    for (const v of list) violations.push(`${name}: ${(v.location || []).join('.')} ${v.message} (${v.severity || '?'})`);
  }
}
for (const f of run.failures || []) {
  if (!f.error || f.error.name === 'AssertionError') continue; // counted above
  failures.push(`${f.source && f.source.name}: ${f.error.name}: ${f.error.message}`);
}
const logged = fs.readFileSync(prismLog, 'utf8').split('\n').filter(l => /Violation:/.test(l));
const nViolations = Math.max(violations.length, logged.length);
for (const f of failures) console.error(`  FAILED ${f}`);
for (const v of violations) console.error(`  VIOLATION ${v}`);
if (logged.length > violations.length) for (const l of logged) console.error(`  PRISM ${l.trim()}`);
console.log(`okta scim (${kind}): ${passed}/${expected} assertions, prism: ${nViolations} violations`);
process.exit(passed === Number(expected) && total === Number(expected) && failures.length === 0 && nViolations === 0 ? 0 : 1);
EOF
	if ((verdict != 0 || rc != 0)); then
		echo "conformance ($kind): newman exited $rc; its output:" >&2
		sed -n '1,200p' "$dir/newman.log" >&2
		cat "$dir/verdict.txt" >&2
		return 1
	fi
	cat "$dir/verdict.txt"
}

status=0
run_kind sqlite "$work/sqlite.db" || status=1

if [[ -n ${TEST_DATABASE_URL:-} ]]; then
	[[ $TEST_DATABASE_URL =~ ^postgres(ql)?:// ]] || die "TEST_DATABASE_URL must be a postgres:// URL"
	command -v psql >/dev/null || die "psql is not installed (apt-get install -y postgresql-client)"
	base=${TEST_DATABASE_URL%%\?*}
	query=${TEST_DATABASE_URL:${#base}}
	rest=${base#*://}
	if [[ $rest == */* ]]; then server=${base%/*}; else server=$base; fi
	name="seatdesk_conformance_$(date +%s)_$$"
	psql "$TEST_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $name" >/dev/null ||
		die "could not create database $name"
	dbs+=("$name")
	run_kind postgres "$server/$name$query" || status=1
fi

exit "$status"
