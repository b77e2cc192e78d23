#!/usr/bin/env bash
# Obtains etcd and kube-apiserver v1.20.2 for ark-sdk's local control plane.
#
# etcd comes from Debian's etcd-server package. kube-apiserver is built from
# Debian's `kubernetes` source package with Go 1.15: newer Go toolchains build
# a binary that faults on custom-resource writes (json-iterator/reflect2).
# The result is cached in ~/.cache/ark-sdk/control-plane/v1.20.2/ (or
# $ARK_SDK_CACHE_DIR/control-plane/v1.20.2/), so a warm machine skips all of it.
set -euo pipefail

VERSION=v1.20.2
CACHE_ROOT="${ARK_SDK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ark-sdk}"
DEST="$CACHE_ROOT/control-plane/$VERSION"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

step() { printf '\n==> %s\n' "$*"; }

mkdir -p "$DEST"

if [ -x "$DEST/etcd" ] && [ -x "$DEST/kube-apiserver" ]; then
  echo "control plane binaries already in $DEST"
  exit 0
fi

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    step "apt-get update"
    $SUDO apt-get update -q
    apt_updated=1
  fi
}

# --- etcd -------------------------------------------------------------------
if [ ! -x "$DEST/etcd" ]; then
  if [ ! -x /usr/bin/etcd ]; then
    apt_update
    step "installing etcd (Debian package etcd-server)"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q etcd-server
    # The package starts a system etcd on 2379; we start our own on free ports.
    $SUDO systemctl disable --now etcd >/dev/null 2>&1 || true
    pkill -x etcd >/dev/null 2>&1 || true
  fi
  ln -sf /usr/bin/etcd "$DEST/etcd"
fi

# --- kube-apiserver ----------------------------------------------------------
if [ ! -x "$DEST/kube-apiserver" ]; then
  # Debian source package (bookworm) and Go 1.15 (bullseye, pinned low so
  # nothing else is taken from bullseye).
  if [ ! -f /etc/apt/sources.list.d/ark-sdk-src.sources ]; then
    step "adding deb-src (bookworm) and bullseye (for golang-1.15) apt sources"
    $SUDO tee /etc/apt/sources.list.d/ark-sdk-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO tee /etc/apt/preferences.d/ark-sdk-bullseye >/dev/null <<'PIN'
Package: *
Pin: release n=bullseye
Pin-Priority: 100
PIN
    apt_updated=0
  fi
  if [ ! -x /usr/lib/go-1.15/bin/go ] || ! command -v rsync >/dev/null || ! command -v dpkg-source >/dev/null; then
    apt_update
    step "installing Go 1.15, rsync and dpkg-dev"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -t bullseye golang-1.15-go
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q rsync dpkg-dev
  fi

  BUILD="$CACHE_ROOT/build"
  mkdir -p "$BUILD"
  cd "$BUILD"
  if ! ls kubernetes_*.orig.tar.* >/dev/null 2>&1; then
    apt_update
    step "downloading Debian's kubernetes source package"
    apt-get source --download-only kubernetes
  fi
  SRCDIR="$BUILD/kubernetes-src"
  if [ ! -f "$SRCDIR/Makefile" ]; then
    step "unpacking the kubernetes source tree"
    rm -rf "$SRCDIR"
    mkdir -p "$SRCDIR"
    tar -xf "$(ls kubernetes_*.orig.tar.* | head -n1)" -C "$SRCDIR" --strip-components=1
  fi
  cd "$SRCDIR"
  mkdir -p .go/src/k8s.io
  ln -sfn ../../.. .go/src/k8s.io/kubernetes
  step "building kube-apiserver $VERSION with Go 1.15 (8-15 minutes on 2 cores)"
  export GO111MODULE=off
  PATH=/usr/lib/go-1.15/bin:$PATH GOPATH="$SRCDIR/.go" CGO_ENABLED=0 \
    KUBE_GIT_VERSION="$VERSION" KUBE_GIT_TREE_STATE=clean \
    make WHAT=cmd/kube-apiserver
  install -m 0755 _output/bin/kube-apiserver "$DEST/kube-apiserver.tmp"
  mv "$DEST/kube-apiserver.tmp" "$DEST/kube-apiserver"
  step "cleaning the build tree"
  cd "$CACHE_ROOT"
  rm -rf "$BUILD"
fi

"$DEST/kube-apiserver" --version
# sed, not head: head exits after one line and etcd would die of SIGPIPE (exit 141 under pipefail)
"$DEST/etcd" --version | sed -n 1p
echo "control plane binaries ready in $DEST"
