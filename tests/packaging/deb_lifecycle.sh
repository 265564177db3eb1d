#!/bin/sh
# Runs INSIDE a fresh Debian root (scripts/test-deb makes one with mmdebstrap):
# installs the popfetchd .deb with apt, checks that it works and is documented,
# then removes and purges it (with the dependencies it pulled in) and checks
# what stays: after `remove` only the
# conffile and the archive, after `purge` only the archive.
#
# Usage: deb_lifecycle.sh PACKAGE.deb
set -eu
deb=$1
fail() { echo "FAIL: $*"; exit 1; }

# Every file outside the package manager's own bookkeeping and volatile places.
snapshot() {
  find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /var/tmp \
    -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/log -o -path /var/lib/systemd \
    -o -path /root \) -prune -o -print | sort
}
snapshot > /tmp/before

# What the removal left that is popfetchd's doing. apt may keep a dependency
# it pulled in (Debian 13 keeps adduser and passwd, of priority important and
# required): their files belong to them. So are the user databases' backup
# copies and lock that adduser and the shadow tools write.
left_by_popfetchd() {
  dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 ~ /^.i/ && $2 != "popfetchd" { print $2 }' |
    xargs dpkg -L 2>/dev/null | sort -u > /tmp/owned
  comm -13 /tmp/before /tmp/after | comm -23 - /tmp/owned |
    grep -Ev '^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|^/etc/\.pwd\.lock$' || true
}

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$deb" >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; fail "apt install $deb"; }
popfetchd --version || fail "popfetchd --version"
man popfetchd 2>/dev/null | grep -q "fetch POP3 mail into an archive" || fail "man popfetchd"
man 5 popfetchd.yaml 2>/dev/null | grep -q "ACCOUNT KEYS" || fail "man 5 popfetchd.yaml"
getent passwd popfetchd >/dev/null || fail "no system user popfetchd"
mode=$(stat -c '%a %U:%G' /etc/popfetchd/popfetchd.yaml)
[ "$mode" = "640 root:popfetchd" ] || fail "/etc/popfetchd/popfetchd.yaml is $mode, not 640 root:popfetchd"
popfetchd -c /etc/popfetchd/popfetchd.yaml check-config >/dev/null 2>&1 || fail "the shipped config does not pass check-config"
[ -f /usr/lib/systemd/system/popfetchd.service ] || [ -f /lib/systemd/system/popfetchd.service ] || fail "no unit"
echo "installed: --version, both man pages, the user, the config (640 root:popfetchd) and the units"

# The archive as the service would have made it: it must outlive the package.
mkdir -p /var/lib/popfetchd && echo archive > /var/lib/popfetchd/popfetchd.db

apt-get remove --autoremove -y -qq popfetchd >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; fail "apt remove"; }
snapshot > /tmp/after
left=$(left_by_popfetchd)
expected="/etc/popfetchd
/etc/popfetchd/popfetchd.yaml
/var/lib/popfetchd
/var/lib/popfetchd/popfetchd.db"
[ "$left" = "$expected" ] || { echo "$left"; fail "remove left other files than the conffile and the archive"; }
echo "removed: only the conffile and the archive are left"

apt-get purge --autoremove -y -qq popfetchd >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; fail "apt purge"; }
snapshot > /tmp/after
left=$(left_by_popfetchd)
expected="/var/lib/popfetchd
/var/lib/popfetchd/popfetchd.db"
[ "$left" = "$expected" ] || { echo "$left"; fail "purge left other files than the archive"; }
echo "purged: only the archive is left"
