# Sourced by the start scripts: `install_debian_packages <package>...` installs the Debian packages
# that are missing (apt-get update only when the first try fails), with service starts denied while
# their maintainer scripts run (a packaged PostgreSQL, Keystone or Ceph must not start on its default
# port and directories): a policy-rc.d of our own, unless one already exists, removed afterwards.
install_debian_packages() {
  local need="" pkg own_policy=""
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"; done
  [ -n "$need" ] || return 0
  echo "installing$need"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600"
  # shellcheck disable=SC2086
  if ! $apt install -y -qq --no-install-recommends $need; then
    $apt update -qq
    $apt install -y -qq --no-install-recommends $need
  fi
  if [ -n "$own_policy" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
}
