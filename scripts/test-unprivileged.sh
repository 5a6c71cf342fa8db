#!/usr/bin/env bash
# scripts/test-unprivileged.sh runs the whole suite (scripts/test.sh) as an
# ordinary user, the way a contributor without root runs it: whatever needs
# root must skip and say why, and nothing may fail only for want of root.
#
#   sudo scripts/test-unprivileged.sh        as user gnsttest, made if missing
#   GONETSTAT_TEST_USER=name sudo ...        as another user
#
# It runs as root to prepare what a user cannot: it installs what the tests
# need (scripts/test.sh --deps), makes the user, copies this tree (tracked and
# untracked files, as they are now, without .git) into the user's home, and
# gives it this machine's module downloads as a file proxy, so the run needs
# no network and no access to root's files. scripts/test.sh then runs as the
# user with its own GOPATH and GOCACHE and GONETSTAT_REQUIRE_PRIV unset; its
# exit status is this script's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "test-unprivileged.sh: run it as root: it makes the test user (as yourself, run scripts/test.sh)" >&2
	exit 1
fi
for c in git go useradd runuser tar; do
	command -v $c >/dev/null || { echo "test-unprivileged.sh: needs $c" >&2; exit 1; }
done
user=${GONETSTAT_TEST_USER:-gnsttest}

scripts/test.sh --deps
if ! id -u "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash "$user"
fi
if [ "$(id -u "$user")" -eq 0 ]; then
	echo "test-unprivileged.sh: $user is root" >&2
	exit 1
fi
home=$(getent passwd "$user" | cut -d: -f6)
tree=$home/gonetstat
proxy=$home/modproxy

# The tree as it is now, deleted files left out.
rm -rf "$tree"
mkdir -p "$tree"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -C "$tree" -xf -
# Module zips and go.mod files, as GOPROXY=file:// serves them.
rm -rf "$proxy"
cp -a "$(go env GOMODCACHE)/cache/download" "$proxy"
chown -R "$user:" "$tree" "$proxy"

gobin=$(dirname "$(command -v go)")
echo "test-unprivileged.sh: scripts/test.sh as $user (uid $(id -u "$user")) in $tree" >&2
start=$SECONDS
status=0
runuser -u "$user" -- env -i \
	HOME="$home" USER="$user" LOGNAME="$user" LANG=C.UTF-8 \
	PATH="$gobin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
	GOPROXY="file://$proxy" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
	bash -c 'cd "$1" && exec ./scripts/test.sh' sh "$tree" || status=$?
echo "test-unprivileged.sh: exit $status after $((SECONDS - start))s as $user" >&2
exit "$status"
