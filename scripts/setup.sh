#!/usr/bin/env bash
# Prepares this machine for Kernel: host packages and the default arm64 guest
# root filesystem. Idempotent and quiet when there is nothing to do, so that
# ./kernel and ./test.sh can run it every time.
#
# Usage: scripts/setup.sh [--print-rootfs]
#   --print-rootfs  print the guest root filesystem path on stdout when done
# Environment: KERNEL_ROOTFS overrides the rootfs path.
set -euo pipefail

# Bump to force a rebuild of existing root filesystems (part of the version key).
ROOTFS_VERSION=1
# findutils, diffutils, grep, sed, tar and gzip: the end-to-end tree test (tests/e2e/tree-ops.sh) uses them;
# strace: the end-to-end ptrace tests trace Debian programs with it.
ROOT_PACKAGES=(busybox-static coreutils bash python3 base-files base-passwd libc-bin findutils diffutils grep sed tar gzip procps strace)
HOST_PACKAGES=(libunicorn2 libunicorn-dev gcc make gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)

ROOT=${KERNEL_ROOTFS:-/var/cache/kernel/rootfs-bookworm-arm64}
ROOT=${ROOT%/}
CACHE=/var/cache/kernel
DEBS=$CACHE/debs
# The stamp lives inside the tree so that it moves into place with it: a tree
# without a stamp was not built by this script and is never touched.
STAMP_REL=etc/kernel-rootfs.stamp

print_rootfs=0
for arg in "$@"; do
    case $arg in
        --print-rootfs) print_rootfs=1 ;;
        -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

log() { echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

version_key() {
    { echo "ROOTFS_VERSION=$ROOTFS_VERSION"; printf '%s\n' "${ROOT_PACKAGES[@]}"; } | sha256sum | cut -d' ' -f1
}
KEY=$(version_key)

missing_host_packages() {
    # One dpkg -s for all of them: each call parses the whole status database.
    local installed p
    installed=" $(dpkg -s "${HOST_PACKAGES[@]}" 2>/dev/null \
        | awk '/^Package:/ { p = $2 } /^Status: install ok installed/ { printf "%s ", p }')"
    for p in "${HOST_PACKAGES[@]}"; do
        [[ $installed == *" $p "* ]] || echo "$p"
    done
    # `file` is only needed for our own verification step.
    command -v file >/dev/null || echo file
}

rootfs_state() { # prints: current | stale | foreign | absent
    if [[ -f $ROOT/$STAMP_REL ]]; then
        [[ $(<"$ROOT/$STAMP_REL") == "$KEY" ]] && echo current || echo stale
    elif [[ -e $ROOT ]]; then
        echo foreign
    else
        echo absent
    fi
}

finish() {
    if (( print_rootfs )); then echo "$ROOT"; fi
    exit 0
}

# ---- fast path: nothing to do, no root needed -------------------------------
missing=$(missing_host_packages)
state=$(rootfs_state)
if [[ -z $missing && ( $state == current || $state == foreign ) ]]; then
    [[ $state == foreign ]] && log "note: $ROOT exists but was not built by setup.sh; leaving it alone"
    finish
fi

# ---- something to do: become root -------------------------------------------
if (( EUID != 0 )); then
    command -v sudo >/dev/null || die "must run as root (no sudo available) to install: ${missing:-rootfs}"
    exec sudo KERNEL_ROOTFS="$ROOT" bash "$0" "$@"
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-q -o DPkg::Lock::Timeout=300)

mkdir -p "$CACHE"
# ./kernel and ./test.sh may run this at the same time: serialise the work.
exec 9>"$CACHE/.setup.lock"
flock 9

# ---- host packages ----------------------------------------------------------
missing=$(missing_host_packages)
if [[ -n $missing ]]; then
    log "installing host packages: ${missing//$'\n'/ }"
    apt-get "${APT_OPTS[@]}" update >&2
    # shellcheck disable=SC2086
    apt-get "${APT_OPTS[@]}" install -y --no-install-recommends $missing >&2
fi

# ---- guest root filesystem --------------------------------------------------
state=$(rootfs_state)
case $state in
    current) finish ;;
    foreign) log "note: $ROOT exists but was not built by setup.sh; leaving it alone"; finish ;;
esac
log "building arm64 root filesystem at $ROOT (key ${KEY:0:12}, takes a few minutes the first time)"

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    log "adding dpkg architecture arm64"
    dpkg --add-architecture arm64
fi
apt-get "${APT_OPTS[@]}" -qq update >&2

# Resolve the closure with apt's own solver, configured as if arm64 were the
# native architecture and nothing were installed: it follows Depends and
# Pre-Depends (not Recommends), picks one provider for virtual packages and
# the first of each alternative, and yields exactly one arm64 or `all`
# package per name. (apt-cache depends --recurse lists every alternative and
# wanders into amd64 packages through Multi-Arch: foreign dependencies.)
APTWORK=$(mktemp -d "$CACHE/.apt.XXXXXX")
STAGE=""
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() { rm -rf "$APTWORK"; [[ -n $STAGE ]] && rm -rf "$STAGE"; return 0; }
trap cleanup EXIT
: >"$APTWORK/status"
ARM_OPTS=(
    -o APT::Architecture=arm64 -o APT::Architectures::=arm64
    -o Dir::State::Status="$APTWORK/status"
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
    -o APT::Sandbox::User=root
)
mapfile -t PKGS < <(apt-get "${ARM_OPTS[@]}" -s --no-install-recommends install "${ROOT_PACKAGES[@]}" \
    | awk '$1 == "Inst" { v = $3; gsub(/[()]/, "", v); print $2 "=" v }')
(( ${#PKGS[@]} > 0 )) || die "dependency resolution for ${ROOT_PACKAGES[*]} found nothing"
log "${#PKGS[@]} packages in the closure"

# Download only what the cache lacks (file names come from apt itself).
mkdir -p "$DEBS"
# --print-uris leaves out files already present in the current directory, so
# ask from an empty one to learn every file name.
mapfile -t URIS < <(cd "$APTWORK" && apt-get "${ARM_OPTS[@]}" download --print-uris "${PKGS[@]}")
declare -A PKG_BY_NAME=()
for p in "${PKGS[@]}"; do PKG_BY_NAME[${p%%=*}]=$p; done
DEB_FILES=() TO_GET=()
for line in "${URIS[@]}"; do
    read -r _uri file _size _hash <<<"$line"
    DEB_FILES+=("$file")
    # Debian file names start with the package name and an underscore.
    [[ -s $DEBS/$file ]] || TO_GET+=("${PKG_BY_NAME[${file%%_*}]}")
done
(( ${#DEB_FILES[@]} == ${#PKGS[@]} )) || die "apt-get download --print-uris returned ${#DEB_FILES[@]} files for ${#PKGS[@]} packages"
if (( ${#TO_GET[@]} > 0 )); then
    log "downloading ${#TO_GET[@]} packages into $DEBS"
    (cd "$DEBS" && apt-get "${ARM_OPTS[@]}" -qq download "${TO_GET[@]}" >&2)
fi

# Stage next to the target so the final mv is a rename on one filesystem.
mkdir -p "$(dirname "$ROOT")"
STAGE=$(mktemp -d "$ROOT.new.XXXXXX")
chmod 755 "$STAGE"
# Merged /usr (Debian 12): the top-level links exist before anything is
# unpacked, and tar keeps them, so files shipped under /bin, /sbin and /lib
# land in usr/.
mkdir -p "$STAGE/usr/bin" "$STAGE/usr/sbin" "$STAGE/usr/lib"
ln -s usr/bin "$STAGE/bin"
ln -s usr/sbin "$STAGE/sbin"
ln -s usr/lib "$STAGE/lib"
for file in "${DEB_FILES[@]}"; do
    dpkg-deb --fsys-tarfile "$DEBS/$file" | tar -x --keep-directory-symlink -C "$STAGE" \
        || die "extracting $file failed"
done
for l in bin sbin lib; do
    [[ -L $STAGE/$l ]] || die "/$l is no longer a symlink after unpacking"
done

# ---- what maintainer scripts would have done (no arm64 code runs here) ------
# The dynamic loader: libc6 ships it as an absolute link; make it relative so it
# also resolves inside the tree from the host.
LD=$STAGE/usr/lib/ld-linux-aarch64.so.1
if [[ -L $LD && $(readlink "$LD") == /* ]]; then
    ln -sfn "aarch64-linux-gnu/$(basename "$(readlink "$LD")")" "$LD"
fi
[[ -e $STAGE/lib/ld-linux-aarch64.so.1 ]] || die "/lib/ld-linux-aarch64.so.1 does not resolve inside the tree"

install -d -m 0755 "$STAGE/etc"
install -m 0644 "$STAGE/usr/share/base-passwd/passwd.master" "$STAGE/etc/passwd"
install -m 0644 "$STAGE/usr/share/base-passwd/group.master" "$STAGE/etc/group"
echo sandbox >"$STAGE/etc/hostname"
cat >"$STAGE/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	sandbox
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
EOF
# libc-bin's postinst installs the default nsswitch.conf.
[[ -f $STAGE/etc/nsswitch.conf || ! -f $STAGE/usr/share/libc-bin/nsswitch.conf ]] \
    || install -m 0644 "$STAGE/usr/share/libc-bin/nsswitch.conf" "$STAGE/etc/nsswitch.conf"
# debianutils' postinst registers the shells.
printf '%s\n' '# /etc/shells: valid login shells' /bin/sh /usr/bin/sh /bin/bash /usr/bin/bash >"$STAGE/etc/shells"
# base-files' postinst copies its defaults into place.
[[ -f $STAGE/etc/profile || ! -f $STAGE/usr/share/base-files/profile ]] \
    || install -m 0644 "$STAGE/usr/share/base-files/profile" "$STAGE/etc/profile"
install -d -m 0700 "$STAGE/root"
for f in bashrc profile; do
    [[ -f $STAGE/usr/share/base-files/dot.$f ]] && install -m 0644 "$STAGE/usr/share/base-files/dot.$f" "$STAGE/root/.$f"
done
# /bin/sh comes from dash (not in the closure) and awk from update-alternatives.
[[ -e $STAGE/usr/bin/sh ]] || ln -s bash "$STAGE/usr/bin/sh"
[[ -e $STAGE/usr/bin/awk || ! -e $STAGE/usr/bin/mawk ]] || ln -s mawk "$STAGE/usr/bin/awk"
[[ -e $STAGE/usr/bin/python3 ]] || ln -s python3.11 "$STAGE/usr/bin/python3"

install -d -m 1777 "$STAGE/tmp" "$STAGE/var/tmp"
install -d -m 0755 "$STAGE/proc" "$STAGE/dev" "$STAGE/sys" "$STAGE/home" "$STAGE/run"
chmod 1777 "$STAGE/tmp" "$STAGE/var/tmp"

# ---- verify before it goes into place ---------------------------------------
file -L "$STAGE/usr/bin/python3.11" | grep -q 'ELF 64-bit LSB .*ARM aarch64' \
    || die "usr/bin/python3.11 is not an ARM aarch64 ELF: $(file -L "$STAGE/usr/bin/python3.11" 2>&1)"
[[ -e $STAGE/usr/bin/python3 ]] || die "usr/bin/python3 is missing"
[[ -e $STAGE/bin/busybox ]] || die "bin/busybox is missing"
[[ -e $STAGE/usr/bin/ls ]] || die "usr/bin/ls is missing"

echo "$KEY" >"$STAGE/$STAMP_REL"
chmod 0644 "$STAGE/$STAMP_REL"

# ---- atomic swap ------------------------------------------------------------
if [[ -e $ROOT ]]; then
    OLD=$(mktemp -d "$ROOT.old.XXXXXX")
    mv "$ROOT" "$OLD/tree"
    mv "$STAGE" "$ROOT"
    rm -rf "$OLD"
else
    mv "$STAGE" "$ROOT"
fi
STAGE=""
log "root filesystem ready at $ROOT"
finish
