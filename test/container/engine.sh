# Sourced by check.sh and build-base.sh: a private Docker engine for the container checks.
#
# Starts Debian's dockerd with no bridge and no iptables (containers use --network host only),
# its own socket under a temporary exec root, and a data root kept in the cache directory so a
# second run finds the base image and the build cache. Every wait is bounded.

GEMINICLI2API_DOCKER_CACHE="${GEMINICLI2API_DOCKER_CACHE:-/var/cache/geminicli2api-docker}"
# Debian's client: another `docker` earlier on PATH may not speak to this engine version.
DOCKER_CLI="${DOCKER_CLI:-/usr/bin/docker}"
export DOCKER_BUILDKIT=1

log() { printf '[container %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Every client call is bounded (docker build and the long stops call "$DOCKER_CLI" with their own).
docker() { timeout 300 "$DOCKER_CLI" "$@"; }

# Installs docker.io and debootstrap when missing (a fresh Debian machine, as root).
ensure_engine_packages() {
  local need=()
  [ -x /usr/sbin/dockerd ] || need+=(docker.io)
  [ -x /usr/bin/docker ] || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # The package may have started its own service, an engine with a bridge: not what we test.
    (service docker stop >/dev/null 2>&1 || true)
  fi
}

# start_engine WORKDIR: dockerd with its socket, pid file and exec root under WORKDIR.
start_engine() {
  local workdir="$1"
  ENGINE_DATA_ROOT="$GEMINICLI2API_DOCKER_CACHE/engine"
  ENGINE_PIDFILE="$workdir/dockerd.pid"
  mkdir -p "$ENGINE_DATA_ROOT" "$workdir/exec"
  export DOCKER_HOST="unix://$workdir/docker.sock"
  /usr/sbin/dockerd --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
    --storage-driver=overlay2 --data-root "$ENGINE_DATA_ROOT" --exec-root "$workdir/exec" \
    --host="$DOCKER_HOST" --pidfile "$ENGINE_PIDFILE" >"$workdir/dockerd.log" 2>&1 &
  ENGINE_PID=$!
  local deadline=$((SECONDS + 60))
  until docker version >/dev/null 2>&1; do
    if ! kill -0 "$ENGINE_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd did not start; its log:"
      tail -n 30 "$workdir/dockerd.log" >&2
      return 1
    fi
    sleep 0.5
  done
  log "dockerd $(docker version -f '{{.Server.Version}}') up (pid $ENGINE_PID, data root $ENGINE_DATA_ROOT)"
}

# Stops the engine this script started (by its pid), waiting at most 30 s, then SIGKILL.
stop_engine() {
  [ -n "${ENGINE_PID:-}" ] || return 0
  if kill -0 "$ENGINE_PID" 2>/dev/null; then
    kill -TERM "$ENGINE_PID" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$ENGINE_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    kill -KILL "$ENGINE_PID" 2>/dev/null || true
  fi
  # dockerd stops the containerd it manages; after a SIGKILL that one is left over.
  local containerd_pidfile="${ENGINE_PIDFILE%/*}/exec/containerd/containerd.pid"
  local containerd_pid
  containerd_pid="$(cat "$containerd_pidfile" 2>/dev/null || true)"
  if [ -n "$containerd_pid" ] && [ "$(cat "/proc/$containerd_pid/comm" 2>/dev/null)" = containerd ]; then kill -TERM "$containerd_pid" || true; fi
  wait "$ENGINE_PID" 2>/dev/null || true
  # dockerd leaves its default network namespace mounted under the exec root.
  local exec_root="${ENGINE_PIDFILE%/*}/exec" mountpoint
  for mountpoint in $(awk -v root="$exec_root/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$mountpoint" 2>/dev/null || true
  done
  ENGINE_PID=
}
