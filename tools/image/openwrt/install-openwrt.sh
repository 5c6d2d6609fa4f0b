#!/bin/sh
# Installs lc and lcgw on an OpenWrt router (aarch64 or x86-64). The binaries are fully static:
# no libc or packages are needed. Run on the router, as root, from the directory tools/image/build
# made, copied over (see docs/deploy.md):  sh /tmp/lcgw/install-openwrt.sh
# Keeps an existing /etc/config/lcgw; enables and starts the service.
set -eu
cd "$(dirname "$0")"
for f in lc lcgw lcgw.init lcgw.config; do
  [ -f "$f" ] || { echo "install-openwrt: $f missing: run from the directory tools/image/build made" >&2; exit 1; }
done
chmod 0755 lc lcgw
./lcgw --version >/dev/null 2>&1 || { echo "install-openwrt: ./lcgw does not run here: wrong architecture? ($(uname -m); linux-arm64 is for aarch64, linux-x64 for x86_64)" >&2; exit 1; }

# Flash is small: check before copying (about 8 MB for both).
need_kb=$(( ($(wc -c < lc) + $(wc -c < lcgw)) / 1024 + 512 ))
free_kb=$(df -k /usr/bin | awk 'NR==2 { print $4 }')
if [ "${free_kb:-0}" -lt "$need_kb" ]; then
  echo "install-openwrt: /usr/bin has ${free_kb} KiB free, lc+lcgw need ${need_kb} KiB (docs/deploy.md: run from /tmp or extroot)" >&2
  exit 1
fi

cp lc lcgw /usr/bin/
cp lcgw.init /etc/init.d/lcgw
chmod 0755 /usr/bin/lc /usr/bin/lcgw /etc/init.d/lcgw
if [ -f /etc/config/lcgw ]; then
  echo "install-openwrt: keeping /etc/config/lcgw (the shipped example is /etc/config/lcgw.example)"
  cp lcgw.config /etc/config/lcgw.example
else
  cp lcgw.config /etc/config/lcgw
  echo "install-openwrt: wrote /etc/config/lcgw: set interface (br-lan?), site, node and the channels with uci, then: service lcgw restart"
fi
/usr/bin/lcgw --check-config -c /etc/config/lcgw
/etc/init.d/lcgw enable
/etc/init.d/lcgw restart
echo "install-openwrt: done. Logs and readings: logread -e lcgw -f   Metrics: wget -qO- http://127.0.0.1:9464/metrics"
