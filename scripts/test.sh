#!/usr/bin/env bash
# Runs callvault's whole test suite on a fresh machine: installs what the tests need (sipp, sox,
# versitygw, mailpit, chromium, axe-core), starts PostgreSQL if it is stopped, then runs gofmt, go vet,
# every test (the PostgreSQL, S3, SIP, mail and browser suites included: they fail instead of skipping here), the concurrent
# packages again under the race detector, and a short run of every fuzz target.
# Usage: scripts/test.sh [extra go test flags]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
FUZZTIME="${FUZZTIME:-5s}"

log() { printf '\n== %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
need=()
command -v sipp >/dev/null || need+=(sip-tester)
command -v sox >/dev/null || need+=(sox)
command -v multimon-ng >/dev/null || need+=(multimon-ng) # independent DTMF decoder (masking tests)
command -v espeak-ng >/dev/null || need+=(espeak-ng)     # speech for the DTMF false-positive test
command -v psql >/dev/null || need+=(postgresql)
mariadbd_path() { PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v mariadbd || PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v mysqld; }
mariadbd_path >/dev/null || need+=(mariadb-server) # FreePBX's CDR database (import freepbx --cdr-db)
command -v gcc >/dev/null || need+=(gcc libc6-dev) # the race detector needs cgo
command -v chromium >/dev/null || need+=(chromium)  # the browser tests of the web pages
command -v npm >/dev/null || need+=(npm)            # fetches axe-core for the accessibility checks
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- PostgreSQL ------------------------------------------------------------------------------
PGURL="${CALLVAULT_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "starting PostgreSQL"
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql "$PGURL" -Atqc 'select 1' >/dev/null 2>&1 && [ -z "${CALLVAULT_TEST_PG:-}" ]; then
  # A freshly installed Debian cluster trusts only local peers over its socket: give this OS
  # user a database role (superuser, for CREATE DATABASE) and use the socket.
  me=$(id -un)
  runuser -u postgres -- psql -Atqc "select 1 from pg_roles where rolname='$me'" 2>/dev/null | grep -q 1 ||
    runuser -u postgres -- createuser --superuser "$me" 2>/dev/null || true
  PGURL="postgres:///postgres?host=/var/run/postgresql&user=$me"
fi
if ! psql "$PGURL" -Atqc 'select 1' >/dev/null 2>&1; then
  echo "callvault: error: cannot connect to PostgreSQL at $PGURL" >&2
  echo "callvault: hint: set CALLVAULT_TEST_PG to a URL of a PostgreSQL where the user may CREATE DATABASE" >&2
  exit 1
fi
export CALLVAULT_TEST_PG="$PGURL"

# --- S3 server (versitygw) -------------------------------------------------------------------
VGW="$(go env GOPATH)/bin/versitygw"
if [ ! -x "$VGW" ] || ! go version -m "$VGW" 2>/dev/null | grep -q 'versity/versitygw[[:space:]]*v1\.8\.0'; then
  log "installing versitygw v1.8.0 (a real S3 gateway, for the S3 tests)"
  go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
export CALLVAULT_TEST_VERSITYGW="$VGW"

# --- SMTP server (mailpit) -------------------------------------------------------------------
MAILPIT="$(go env GOPATH)/bin/mailpit"
if [ ! -x "$MAILPIT" ] || ! go version -m "$MAILPIT" 2>/dev/null | grep -q 'axllent/mailpit[[:space:]]*v1\.33\.1'; then
  log "installing mailpit v1.33.1 (a real SMTP server with an API, for the mail tests)"
  CGO_ENABLED=0 go install github.com/axllent/mailpit@v1.33.1
fi
export CALLVAULT_TEST_MAILPIT="$MAILPIT"
export CALLVAULT_TEST_SIPP="$(command -v sipp)"
export CALLVAULT_TEST_MARIADB="$(mariadbd_path)" # each test starts its own server on a free port

# --- browser and accessibility checker -------------------------------------------------------
AXE_VERSION=4.14.1
AXE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/callvault/axe-core-$AXE_VERSION"
if [ ! -s "$AXE_DIR/package/axe.min.js" ]; then
  log "fetching axe-core $AXE_VERSION from the npm registry (accessibility checks of the pages)"
  mkdir -p "$AXE_DIR"
  (cd "$AXE_DIR" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null && tar xzf "axe-core-$AXE_VERSION.tgz")
fi
export CALLVAULT_TEST_CHROMIUM="$(command -v chromium)"
export CALLVAULT_TEST_AXE="$AXE_DIR/package/axe.min.js"
export CALLVAULT_TEST_REQUIRE_EXTERNAL=1

# --- checks ----------------------------------------------------------------------------------
log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted" >&2; exit 1; fi
log "go vet"
go vet ./...

log "go test"
out=$(mktemp)
status=0
go test -count=1 -timeout 25m "$@" ./... 2>&1 | tee "$out" || status=$?
passed=$(grep -c '^ok ' "$out" || true)
failed=$(grep -c '^FAIL' "$out" || true)
rm -f "$out"
[ "$status" = 0 ] || { echo "packages: $passed passed, $failed failed"; exit "$status"; }

log "go test -race (the packages with concurrency of their own)"
go test -race -count=1 -timeout 15m ./internal/rtp/... ./internal/siprec/... ./internal/archive/... \
  ./internal/audit/... ./internal/retention/... ./internal/fileblob/... ./internal/httpserver/... \
  ./internal/access/... ./internal/identity/... ./internal/mail/...

log "fuzz targets (${FUZZTIME} each)"
for f in $(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do
  pkg="./$(dirname "${f#./}")"
  for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "-- $pkg $name"
    if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/callvault-fuzz.log 2>&1; then
      # Go's fuzzing coordinator sometimes ends a short run with "context deadline exceeded"
      # and no failing input (a worker slow to stop, not a finding): run that target once more.
      # A real finding writes its input under testdata/fuzz and fails at once.
      if grep -q 'context deadline exceeded' /tmp/callvault-fuzz.log && ! grep -q 'Failing input written' /tmp/callvault-fuzz.log; then
        echo "   (the fuzzing engine timed out without a finding; once more)"
        go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/callvault-fuzz.log 2>&1 || { cat /tmp/callvault-fuzz.log; exit 1; }
      else
        cat /tmp/callvault-fuzz.log; exit 1
      fi
    fi
  done
done
log "all tests passed"
echo "packages: $passed passed, 0 failed"
