#!/bin/sh
# Installs lc and lcgw on a Raspberry Pi (Raspberry Pi OS 64-bit, or any systemd Linux on the
# same architecture). Run as root from the directory tools/image/build made (artifacts/linux-arm64/
# copied to the Pi): sudo ./install-pi.sh
# Keeps an existing /etc/lcgw/lcgw.conf; enables and starts the lcgw service.
set -eu
cd "$(dirname "$0")"
[ "$(id -u)" -eq 0 ] || { echo "install-pi: run as root (sudo ./install-pi.sh)" >&2; exit 1; }
for f in lc lcgw lcgw.conf lcgw.service; do
  [ -f "$f" ] || { echo "install-pi: $f missing: run from the directory tools/image/build made" >&2; exit 1; }
done
./lcgw --version >/dev/null 2>&1 || { echo "install-pi: ./lcgw does not run here: wrong architecture? ($(uname -m); use the linux-arm64 build on a 64-bit Pi)" >&2; exit 1; }

install -m 0755 lc lcgw /usr/local/bin/
install -d -m 0755 /etc/lcgw
if [ -f /etc/lcgw/lcgw.conf ]; then
  echo "install-pi: keeping /etc/lcgw/lcgw.conf (the shipped example is /etc/lcgw/lcgw.conf.example)"
  install -m 0644 lcgw.conf /etc/lcgw/lcgw.conf.example
else
  install -m 0644 lcgw.conf /etc/lcgw/lcgw.conf
  echo "install-pi: wrote /etc/lcgw/lcgw.conf: set interface, site, node and the channels, then: systemctl restart lcgw"
fi
install -m 0644 lcgw.service /etc/systemd/system/lcgw.service
# The unit runs lcgw in group i2c (Raspberry Pi OS has it; systemd refuses to start without it).
getent group i2c >/dev/null || groupadd --system i2c
# The unit passes /etc/lcgw/site.key as a credential; without one, a drop-in empties that list
# (systemd refuses to start a unit whose credential file is missing).
install -d -m 0755 /etc/systemd/system/lcgw.service.d
if [ -f /etc/lcgw/site.key ]; then
  rm -f /etc/systemd/system/lcgw.service.d/no-key.conf
  chown root:root /etc/lcgw/site.key && chmod 0600 /etc/lcgw/site.key
else
  printf '[Service]\nLoadCredential=\n' > /etc/systemd/system/lcgw.service.d/no-key.conf
fi
# An 8 MiB receive buffer for bursts, without giving lcgw CAP_NET_ADMIN.
printf 'net.core.rmem_max = 8388608\n' > /etc/sysctl.d/60-lcgw.conf
sysctl -q -p /etc/sysctl.d/60-lcgw.conf || true
systemctl daemon-reload
# Checked as the service will run: a throwaway user with its credentials.
if [ -f /etc/lcgw/site.key ]; then
  systemd-run --quiet --pipe --wait -p DynamicUser=yes -p LoadCredential=site.key:/etc/lcgw/site.key \
    /usr/local/bin/lcgw --check-config -c /etc/lcgw/lcgw.conf
else
  /usr/local/bin/lcgw --check-config -c /etc/lcgw/lcgw.conf
fi
systemctl enable --now lcgw
systemctl --no-pager --lines=5 status lcgw || true
echo "install-pi: done. Logs and readings: journalctl -u lcgw -f   Metrics: curl http://127.0.0.1:9464/metrics"
