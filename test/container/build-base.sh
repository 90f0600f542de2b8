# Sourced by check.sh (needs engine.sh and a running engine): build_base_image.
#
# node:20-bookworm-slim cannot be pulled here (no registry). This builds a stand-in with the same
# name from Debian packages: a minimal debootstrap of this machine's Debian release plus this
# machine's Node and npm, laid out as in the official image (/usr/local/bin/node,
# /usr/local/lib/node_modules/npm). The real Dockerfile then builds FROM it unchanged.
# No CA bundle goes in: npm gets it at build time as a BuildKit secret (see check.sh).
#
# Cached in $GEMINICLI2API_DOCKER_CACHE: the debootstrap tarball, and the imported image in the
# engine's data root (labelled with the Node version and Debian release it was made from).

BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"

build_base_image() {
  local suite node_bin npm_dir node_version wanted current
  suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  node_bin="$(readlink -f "$(command -v node)")"
  npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
  node_version="$("$node_bin" --version)"
  wanted="$suite/node-$node_version/npm-$("$node_bin" "$npm_dir/bin/npm-cli.js" --version)"
  current="$(docker image inspect -f '{{index .Config.Labels "geminicli2api.stand-in"}}' "$BASE_IMAGE" 2>/dev/null || true)"
  if [ "$current" = "$wanted" ]; then
    log "base $BASE_IMAGE: cached stand-in ($wanted)"
    return 0
  fi

  local rootfs_tar="$GEMINICLI2API_DOCKER_CACHE/rootfs-$suite-minbase.tar"
  if [ ! -s "$rootfs_tar" ]; then
    log "debootstrap $suite (minbase) -> $rootfs_tar"
    local staging="$GEMINICLI2API_DOCKER_CACHE/rootfs-$suite.staging"
    rm -rf "$staging"
    local mirror
    mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)"
    timeout 900 debootstrap --variant=minbase "$suite" "$staging" "${mirror:-http://deb.debian.org/debian}" >"$GEMINICLI2API_DOCKER_CACHE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$GEMINICLI2API_DOCKER_CACHE/debootstrap.log" >&2; return 1; }
    # What the official slim images drop too: package caches, lists, docs.
    rm -rf "$staging"/var/cache/apt/archives/*.deb "$staging"/var/lib/apt/lists/* \
      "$staging"/usr/share/doc/* "$staging"/usr/share/man/* "$staging"/usr/share/info/*
    tar -C "$staging" --numeric-owner -cf "$rootfs_tar.partial" . && mv "$rootfs_tar.partial" "$rootfs_tar"
    rm -rf "$staging"
  fi

  log "importing $BASE_IMAGE ($wanted)"
  local layout
  layout="$(mktemp -d)"
  mkdir -p "$layout/usr/local/bin" "$layout/usr/local/lib/node_modules"
  cp "$node_bin" "$layout/usr/local/bin/node"
  cp -a "$npm_dir" "$layout/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$layout/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$layout/usr/local/bin/npx"
  # The Debian root, then Node appended (only new paths: docker import refuses duplicates).
  cp "$rootfs_tar" "$layout/image.tar"
  tar -C "$layout" --numeric-owner --owner=0 --group=0 -rf "$layout/image.tar" ./usr/local/bin/node ./usr/local/bin/npm ./usr/local/bin/npx ./usr/local/lib/node_modules
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change "LABEL geminicli2api.stand-in=$wanted" \
    --change 'CMD ["node"]' \
    "$layout/image.tar" "$BASE_IMAGE" >/dev/null
  local status=$?
  rm -rf "$layout"
  [ "$status" -eq 0 ] || return "$status"
  docker run --rm --network host "$BASE_IMAGE" node -e 'process.stdout.write(`stand-in node ${process.version}\n`)' >&2
}
