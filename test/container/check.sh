#!/usr/bin/env bash
# Builds the image from the Dockerfile with a real Docker engine and runs it, as CI does:
#   npm run test:container            (= npm run build && bash test/container/check.sh)
#
# On a fresh Debian machine, as root, with Node 20: installs docker.io/debootstrap if missing,
# starts its own dockerd (no bridge, no iptables), builds the stand-in base image
# (build-base.sh) and the app image, then runs the image --network host --read-only
# --tmpfs /tmp --cap-drop ALL as uid 10001 against the project's Google emulator on the host.
# Prints the image size, the app layers' size above the base (budget 60 MB), the time taken
# and every check as PASS/FAIL; exits non-zero when a check fails. Stops dockerd, the emulator
# and every container it started on exit. Cache: $GEMINICLI2API_DOCKER_CACHE
# (/var/cache/geminicli2api-docker): Debian root, base image, build cache.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT="$PWD"
HERE="$REPO_ROOT/test/container"
. "$HERE/engine.sh"
. "$HERE/build-base.sh"

IMAGE="${IMAGE:-geminicli2api:local}"
APP_LAYERS_BUDGET_MB=60
RUN_STARTED=$SECONDS
WORKDIR="$(mktemp -d /tmp/gcli2api-container.XXXXXX)"
NAME="gcli2api-check-$$"
EMULATOR_PID=
CHECKS=()
FAILED=0

record() { # record NAME STATUS [DETAIL]
  CHECKS+=("$(printf '%-4s  %s%s' "$2" "$1" "${3:+  ($3)}")")
  [ "$2" = PASS ] || FAILED=1
  log "$2 $1${3:+ ($3)}"
}
check() { # check NAME COMMAND...: PASS when the command succeeds
  local name="$1"
  shift
  if "$@" >"$WORKDIR/last-check.log" 2>&1; then record "$name" PASS; else record "$name" FAIL "$(tail -n 3 "$WORKDIR/last-check.log" | tr '\n' ' ')"; fi
}

cleanup() {
  local status=$?
  if [ -n "${ENGINE_PID:-}" ]; then
    docker ps -aq --filter "name=$NAME" | xargs -r timeout 60 "$DOCKER_CLI" rm -f >/dev/null 2>&1
  fi
  if [ -n "$EMULATOR_PID" ]; then kill -TERM "$EMULATOR_PID" 2>/dev/null; wait "$EMULATOR_PID" 2>/dev/null; fi
  stop_engine
  rm -rf "$WORKDIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node -e "const server = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(server.address().port); server.close(); })"; }
megabytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f", bytes / 1000000 }'; }
probe() { timeout 90 node "$HERE/http-check.mjs" "$@"; }

# --- engine, base, image -------------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then echo "check.sh runs dockerd and debootstrap: run it as root" >&2; exit 2; fi
[ -f dist/test/support/emulator/main.js ] || { echo "dist/ is missing: npm run build first (npm run test:container does)" >&2; exit 2; }
ensure_engine_packages || exit 1
start_engine "$WORKDIR" || exit 1
build_base_image || { record "stand-in base image $BASE_IMAGE" FAIL; exit 1; }

CA_BUNDLE="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null)}"
SECRET_ARGS=()
if [ -n "$CA_BUNDLE" ] && [ "$CA_BUNDLE" != null ] && [ -s "$CA_BUNDLE" ]; then SECRET_ARGS=(--secret "id=npmca,src=$CA_BUNDLE"); fi
BUILD_STARTED=$SECONDS
log "docker build --network host ${SECRET_ARGS[*]} -t $IMAGE ."
if timeout 1200 "$DOCKER_CLI" build --network host "${SECRET_ARGS[@]}" -t "$IMAGE" . >"$WORKDIR/build.log" 2>&1; then
  BUILD_SECONDS=$((SECONDS - BUILD_STARTED))
  record "docker build (offline frontend, CA as a build secret)" PASS "$BUILD_SECONDS s"
else
  tail -n 40 "$WORKDIR/build.log" >&2
  record "docker build" FAIL
  exit 1
fi
# Earlier builds' images are untagged now; the build cache stays (it makes the next run fast).
docker image prune -f >/dev/null
IMAGE_BYTES="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
BASE_BYTES="$(docker image inspect -f '{{.Size}}' "$BASE_IMAGE")"
APP_BYTES=$((IMAGE_BYTES - BASE_BYTES))
if [ "$APP_BYTES" -le $((APP_LAYERS_BUDGET_MB * 1000000)) ]; then
  record "app layers within ${APP_LAYERS_BUDGET_MB} MB" PASS "$(megabytes "$APP_BYTES") MB"
else
  record "app layers within ${APP_LAYERS_BUDGET_MB} MB" FAIL "$(megabytes "$APP_BYTES") MB"
fi
check "no build secret or CA file left in the image" \
  docker run --rm --network host --entrypoint sh "$IMAGE" -c '! ls /run/secrets/npmca /build 2>/dev/null | grep -q .'

# --- .env.example under docker --env-file is what dotenv reads -----------------------------------
env_example_matches() { # the file as shipped, then with every `# NAME=value` example uncommented
  local variant="$1"
  docker run --rm --network host --env-file "$variant" --entrypoint node "$IMAGE" \
    -e 'process.stdout.write(JSON.stringify(process.env))' >"$WORKDIR/docker-env.json" || return 1
  node -e '
    const fs = require("fs");
    const expected = require("dotenv").parse(fs.readFileSync(process.argv[1]));
    const actual = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const differences = Object.keys(expected).filter((name) => actual[name] !== expected[name]).map((name) => `${name}: docker ${JSON.stringify(actual[name])}, dotenv ${JSON.stringify(expected[name])}`);
    if (Object.keys(expected).length === 0 || differences.length > 0) { console.error(differences.join("\n") || "no variables"); process.exit(1); }
  ' "$variant" "$WORKDIR/docker-env.json"
}
sed -E 's/^# ?([A-Z][A-Z0-9_]*=)/\1/' .env.example >"$WORKDIR/env-example-uncommented"
check ".env.example: docker --env-file reads what dotenv reads" env_example_matches .env.example
check ".env.example with every example uncommented: same" env_example_matches "$WORKDIR/env-example-uncommented"

# --- one replica behind nothing, against the emulator on the host ---------------------------------
EMULATOR_PORT="$(free_port)"
EMULATOR_PORT="$EMULATOR_PORT" node dist/test/support/emulator/main.js >"$WORKDIR/emulator.log" 2>&1 &
EMULATOR_PID=$!
deadline=$((SECONDS + 30))
until grep -qE '^(export )?GEMINI_CREDENTIALS=' "$WORKDIR/emulator.log" || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
# The emulator prints the gateway's settings; the credential is what `npm run login` would write.
# Lines are `export NAME='value'` (ready to paste): drop the export and the shell quotes.
emulator_setting() { sed -nE "s/^(export )?$1=//p" "$WORKDIR/emulator.log" | head -n 1 | sed -e "s/^'//" -e "s/'\$//"; }
CREDENTIALS_JSON="$(emulator_setting GEMINI_CREDENTIALS)"
[ -n "$CREDENTIALS_JSON" ] || { cat "$WORKDIR/emulator.log" >&2; record "emulator started" FAIL; exit 1; }

API_PORT="$(free_port)"
METRICS_PORT="$(free_port)"
CLIENT_KEY="container-check-$RANDOM$RANDOM"
API="http://127.0.0.2:$API_PORT"
# What `npm run login` leaves behind: oauth_creds.json, mode 0600, owned by a desktop user (1000).
install -m 0600 -o 1000 -g 1000 /dev/null "$WORKDIR/oauth_creds.json"
printf '%s\n' "$CREDENTIALS_JSON" >"$WORKDIR/oauth_creds.json"
# HOST is a specific loopback address (not 0.0.0.0): the HEALTHCHECK must probe it.
cat >"$WORKDIR/.env" <<EOF
HOST=127.0.0.2
PORT=$API_PORT
METRICS_PORT=$METRICS_PORT
GEMINI_AUTH_PASSWORD=$CLIENT_KEY
CODE_ASSIST_ENDPOINT=$(emulator_setting CODE_ASSIST_ENDPOINT)
GOOGLE_OAUTH_TOKEN_URL=$(emulator_setting GOOGLE_OAUTH_TOKEN_URL)
DRAIN_DELAY_MS=1000
EOF

# The documented commands (docs/deployment.md, "Container image"). The fix for the 0600 file:
# group-readable, and the container joins the file's group; never world-readable.
(cd "$WORKDIR" && chmod 0640 oauth_creds.json)
CREDENTIALS_GID="$(stat -c %g "$WORKDIR/oauth_creds.json")"
(cd "$WORKDIR" && timeout 120 "$DOCKER_CLI" run -d --name "$NAME" --network host --read-only --tmpfs /tmp --cap-drop ALL \
  --security-opt no-new-privileges --health-interval 2s \
  --group-add "$(stat -c %g oauth_creds.json)" -v "$PWD/oauth_creds.json:/run/geminicli2api/oauth_creds.json:ro" \
  -e GOOGLE_APPLICATION_CREDENTIALS=/run/geminicli2api/oauth_creds.json \
  --env-file .env "$IMAGE") >/dev/null || { record "docker run" FAIL; exit 1; }

check "GET /health/live = 200" probe wait "$API/health/live" 200 60
check "GET /health/ready = 200 (credential file readable, mode 0640, group $CREDENTIALS_GID)" probe wait "$API/health/ready" 200 60
check "runs as uid 10001" test "$(docker exec "$NAME" id -u)" = 10001
check "image USER is 10001:10001" test "$(docker inspect -f '{{.Config.User}}' "$NAME")" = 10001:10001
# Its own home is the one place uid 10001 could write to on the image: read-only says the kernel.
read_only_root() {
  local output
  output="$(docker exec "$NAME" sh -c 'touch /home/gateway/written 2>&1; touch /tmp/written && echo tmp-writable')"
  grep -q 'Read-only file system' <<<"$output" && grep -q tmp-writable <<<"$output"
}
check "root filesystem is read-only, /tmp writable" read_only_root
check "no capabilities" sh -c "timeout 30 '$DOCKER_CLI' exec '$NAME' grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/1/status"
check "client key required (401 without it)" probe status "$API/v1/models" 401
check "chat completion through the container" probe chat "$API" "$CLIENT_KEY"
check "metrics on METRICS_PORT" probe status "http://127.0.0.2:$METRICS_PORT/metrics" 200
healthy() {
  local deadline=$((SECONDS + 60)) state
  while [ "$SECONDS" -lt "$deadline" ]; do
    state="$(docker inspect -f '{{.State.Health.Status}}' "$NAME")"
    [ "$state" = healthy ] && return 0
    sleep 1
  done
  echo "health: $state" >&2
  return 1
}
check "HEALTHCHECK healthy with HOST=127.0.0.2" healthy

# SIGTERM while a stream is open: the stream finishes, the process exits 0.
probe stream "$API" "$CLIENT_KEY" >"$WORKDIR/stream.out" 2>"$WORKDIR/stream.err" &
STREAM_PID=$!
deadline=$((SECONDS + 30))
until grep -q first-chunk "$WORKDIR/stream.out" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
STOP_STARTED=$SECONDS
timeout 60 "$DOCKER_CLI" stop -t 45 "$NAME" >/dev/null
STOP_SECONDS=$((SECONDS - STOP_STARTED))
wait "$STREAM_PID"
check "docker stop (SIGTERM) drains the open stream" grep -q complete "$WORKDIR/stream.out"
check "exit code 0 after the drain (${STOP_SECONDS} s)" test "$(docker inspect -f '{{.State.ExitCode}}' "$NAME")" = 0
check "drain logged, then stopped" sh -c "timeout 30 '$DOCKER_CLI' logs '$NAME' 2>&1 | grep -q 'draining: readiness is now 503' && timeout 30 '$DOCKER_CLI' logs '$NAME' 2>&1 | grep -q '\"stopped\"'"
docker rm -f "$NAME" >/dev/null

# Several replicas (REDIS_URL) with no client key configured: refuse to start, naming the setting.
refuses_without_key() {
  local output
  output="$(timeout 60 "$DOCKER_CLI" run --rm --name "$NAME-nokey" --network host --read-only --tmpfs /tmp --cap-drop ALL \
    -e REDIS_URL=redis://127.0.0.1:6379/0 -e HOST=127.0.0.1 -e PORT="$(free_port)" -e METRICS_PORT=0 "$IMAGE" 2>&1)" && return 1
  grep -q 'GEMINI_AUTH_PASSWORD' <<<"$output"
}
check "REDIS_URL without a client key: refuses to start, names GEMINI_AUTH_PASSWORD" refuses_without_key

# The problem the group fix solves: the file as `npm run login` leaves it (0600, another uid).
unreadable_without_fix() {
  local output
  install -m 0600 -o 1000 -g 1000 "$WORKDIR/oauth_creds.json" "$WORKDIR/private-creds.json"
  output="$(timeout 60 "$DOCKER_CLI" run --rm --name "$NAME-0600" --network host --read-only --tmpfs /tmp --cap-drop ALL \
    -v "$WORKDIR/private-creds.json:/run/geminicli2api/oauth_creds.json:ro" -e GOOGLE_APPLICATION_CREDENTIALS=/run/geminicli2api/oauth_creds.json \
    -e GEMINI_AUTH_PASSWORD="$CLIENT_KEY" -e HOST=127.0.0.1 -e PORT="$(free_port)" -e METRICS_PORT=0 "$IMAGE" 2>&1)" && return 1
  grep -q 'EACCES' <<<"$output"
}
check "0600 credential file without --group-add: unreadable, the gateway says EACCES and exits" unreadable_without_fix

# --- the compose stack: Redis, three replicas, nginx ---------------------------------------------
# Compose v2 is not packaged here: test/support/compose-stack.ts runs docker-compose.yml's services
# with docker run, in one loopback-only network namespace. Its third-party images cannot be
# pulled: stand-ins from Debian packages take their names (test/container/stand-ins).
STAND_IN_TAGS="$(sed -n -E 's/^ *image: *((redis|nginxinc\/nginx-unprivileged):[^ ]+) *$/\1/p' docker-compose.yml)"
for tag in $STAND_IN_TAGS; do
  docker image inspect "$tag" >/dev/null 2>&1 && continue
  log "building the stand-in for $tag"
  timeout 900 "$DOCKER_CLI" build --network host -t "$tag" test/container/stand-ins >"$WORKDIR/stand-in.log" 2>&1 \
    || { tail -n 20 "$WORKDIR/stand-in.log" >&2; record "stand-in image $tag" FAIL; }
done
install -m 0600 -o 1000 -g 1000 /dev/null "$WORKDIR/stack-creds.json"
printf '%s\n' "$CREDENTIALS_JSON" >"$WORKDIR/stack-creds.json"
chmod 0640 "$WORKDIR/stack-creds.json"
cat >"$WORKDIR/stack.env" <<EOF
GEMINI_AUTH_PASSWORD=$CLIENT_KEY
GOOGLE_APPLICATION_CREDENTIALS=$WORKDIR/stack-creds.json
GOOGLE_CREDENTIALS_GID=$(stat -c %g "$WORKDIR/stack-creds.json")
DRAIN_DELAY_MS=1000
EOF
STACK_STARTED=$SECONDS
timeout 600 node dist/test/support/compose-stack.js "$REPO_ROOT" "$WORKDIR/stack.env" "$NAME-stack" "$WORKDIR" >"$WORKDIR/stack.out" 2>"$WORKDIR/stack.err"
STACK_STATUS=$?
while IFS= read -r line; do
  case "$line" in
    PASS\ *) record "compose: ${line#PASS }" PASS ;;
    FAIL\ *) record "compose: ${line#FAIL }" FAIL ;;
  esac
done <"$WORKDIR/stack.out"
if [ "$STACK_STATUS" -ne 0 ] && ! grep -q '^FAIL' "$WORKDIR/stack.out"; then record "compose stack (exit $STACK_STATUS)" FAIL "$(tail -n 3 "$WORKDIR/stack.err" | tr '\n' ' ')"; fi
STACK_SECONDS=$((SECONDS - STACK_STARTED))

# --- summary --------------------------------------------------------------------------------------
echo
echo "Container checks ($IMAGE, engine $(docker version -f '{{.Server.Version}}'))"
echo "  image size:            $(megabytes "$IMAGE_BYTES") MB"
echo "  base ($BASE_IMAGE stand-in): $(megabytes "$BASE_BYTES") MB"
echo "  app layers above base: $(megabytes "$APP_BYTES") MB (budget ${APP_LAYERS_BUDGET_MB} MB)"
echo "  time: $((SECONDS - RUN_STARTED)) s in total (image build $BUILD_SECONDS s, compose stack $STACK_SECONDS s)"
printf '  %s\n' "${CHECKS[@]}"
[ "$FAILED" -eq 0 ] && echo "ALL PASS" || echo "SOME CHECKS FAILED"
exit "$FAILED"
