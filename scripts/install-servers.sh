#!/usr/bin/env bash
# Install the Debian packages of every WSGI server and front (reverse proxy) conform knows
# (internal/harness), and chromium, which the HTML report tests use.
# Idempotent: does nothing when everything is installed already. Services are not started
# (a policy-rc.d denies it during the install); conform runs its own private instances,
# so the system apache2 on port 80 is neither needed nor wanted.
#
# Usage: scripts/install-servers.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
	python3                     # wsgiref (stdlib) and the interpreter for all Python servers
	python3-gunicorn            # gunicorn-sync, gunicorn-gthread, gunicorn-gevent, gunicorn-eventlet
	python3-waitress            # waitress
	uwsgi-core                  # uwsgi
	uwsgi-plugin-python3        # uwsgi --plugin python3
	python3-werkzeug            # werkzeug
	python3-cheroot             # cheroot
	python3-gevent              # gevent, gunicorn-gevent
	python3-eventlet            # eventlet, gunicorn-eventlet
	python3-twisted             # twisted
	apache2                     # mod_wsgi (apache2 binary, mpm_event, authz_core)
	libapache2-mod-wsgi-py3     # mod_wsgi
	python3-paste               # paste
	python3-tornado             # tornado
	nginx                       # front: nginx
	haproxy                     # front: haproxy
	varnish                     # front: varnish
	squid                       # front: squid (apache2 above is the apache front)
	chromium                    # not a server: the reports tests render HTML headless
	wrk                         # not a server: the fuzz benchmarks measure each server's capacity with it
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "install-servers: must run as root (or with sudo available)" >&2
		exit 1
	fi
fi

installed() {
	[ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-servers: all ${#packages[@]} packages already installed"
	exit 0
fi

# The daemons whose packages start a system service (on port 80 and the like).
services=(apache2 nginx haproxy varnish squid)
was_installed=()
for svc in "${services[@]}"; do
	installed "$svc" && was_installed+=("$svc")
done

# Keep package scripts from starting services while we install. Only a policy-rc.d we
# created ourselves is removed afterwards.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
	"${SUDO[@]}" chmod 755 "$policy"
	created_policy=1
fi
cleanup() {
	if [ "$created_policy" = 1 ]; then
		"${SUDO[@]}" rm -f "$policy"
	fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "install-servers: installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Use-Pty=0 "${packages[@]}" >/dev/null

# If a service manager started one of the system daemons anyway, stop it: conform starts
# its own private instances.
if command -v service >/dev/null 2>&1; then
	for svc in "${services[@]}"; do
		case " ${was_installed[*]} " in *" $svc "*) continue ;; esac
		if "${SUDO[@]}" service "$svc" status >/dev/null 2>&1; then
			"${SUDO[@]}" service "$svc" stop >/dev/null 2>&1 || true
		fi
	done
fi

failed=()
for p in "${packages[@]}"; do
	installed "$p" || failed+=("$p")
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "install-servers: not installed: ${failed[*]}" >&2
	exit 1
fi
echo "install-servers: all ${#packages[@]} packages installed"
