#!/usr/bin/env bash
# Starts the real binary on a FRESH database for one Playwright project, and
# throws the database away when Playwright stops the server (SIGTERM).
#
#   e2e/serve.sh sqlite   HOST:PORT   a new SQLite file in a new temp directory
#   e2e/serve.sh postgres HOST:PORT   a new database created on the server of
#                                     E2E_DATABASE_URL (else TEST_DATABASE_URL),
#                                     dropped on exit
#
# The binary runs `serve -migrate -demo`, so the demo data is loaded every run.
set -euo pipefail

kind=${1:?usage: e2e/serve.sh sqlite|postgres HOST:PORT}
addr=${2:?usage: e2e/serve.sh sqlite|postgres HOST:PORT}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/bin/seatdesk"

die() {
	echo "e2e/serve.sh ($kind): $*" >&2
	exit 1
}

[[ -x $bin ]] || die "$bin is missing: run 'make build' (or 'make e2e') first"

cleanup=()
on_exit() {
	local status=$?
	for cmd in "${cleanup[@]}"; do
		eval "$cmd" || echo "e2e/serve.sh ($kind): cleanup failed: $cmd" >&2
	done
	exit "$status"
}
trap on_exit EXIT

case $kind in
sqlite)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/seatdesk-e2e.XXXXXX")
	cleanup+=("rm -rf '$dir'")
	export DATABASE_URL="$dir/seatdesk.db"
	;;
postgres)
	admin_url=${E2E_DATABASE_URL:-${TEST_DATABASE_URL:-}}
	[[ -n $admin_url ]] || die "set E2E_DATABASE_URL or TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)"
	[[ $admin_url =~ ^postgres(ql)?:// ]] || die "E2E_DATABASE_URL/TEST_DATABASE_URL must be a postgres:// URL"
	command -v psql >/dev/null || die "psql is not installed (apt-get install -y postgresql-client)"
	# The same server and credentials, another database: swap the URL's path.
	base=${admin_url%%\?*}
	query=${admin_url:${#base}}
	rest=${base#*://}
	if [[ $rest == */* ]]; then
		server=${base%/*}
	else
		server=$base
	fi
	name="seatdesk_e2e_$(date +%s)_$$_${RANDOM}"
	psql "$admin_url" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $name" >/dev/null ||
		die "could not create database $name on $server"
	cleanup+=("psql '$admin_url' -X -q -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS $name WITH (FORCE)' >/dev/null")
	export DATABASE_URL="$server/$name$query"
	;;
*)
	die "unknown database kind (use sqlite or postgres)"
	;;
esac

export SEATDESK_ADDR="$addr"
echo "e2e/serve.sh ($kind): serving on http://$addr" >&2

# Not exec: the shell must outlive the server to drop the database. Playwright
# signals the whole process group; the trap passes the signal on in any case.
"$bin" serve -migrate -demo &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT HUP
status=0
wait "$child" || status=$?
# A trapped signal interrupts wait: wait again for the server to finish.
while kill -0 "$child" 2>/dev/null; do
	wait "$child" || status=$?
done
exit "$status"
