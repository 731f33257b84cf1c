# shellcheck shell=bash
# What the nginx allow-lists and password files of every host have in common (the
# management host's ops-nginx, the production host's metrics listener).
[[ -z "${PROTOSTAR_NGINX_ACCESS_SH:-}" ]] || return 0
PROTOSTAR_NGINX_ACCESS_SH=1

# The group nginx's workers run as (`user www-data` in each nginx.conf): www-data is 33 in
# both the registry image and the offline one (Debian's base-passwd).
readonly NGINX_WORKER_GID=33

# allow_list_conf LIST — nginx access rules: each address or network of LIST (commas or
# spaces between them) allowed, any other address answered 403.
allow_list_conf() {
  local item
  for item in ${1//,/ }; do printf 'allow %s;\n' "$item"; done
  printf 'deny all;\n'
}

# htpasswd_line USER PASSWORD — USER with a salted SHA-512 crypt hash of PASSWORD (the
# password goes to openssl on stdin, never on a command line).
htpasswd_line() {
  command -v openssl >/dev/null || abort "openssl is needed to hash a password for nginx (apt-get install openssl)"
  printf '%s:%s\n' "$1" "$(openssl passwd -6 -stdin <<<"$2")"
}

# restrict_to_nginx FILE NAME HINT — FILE (the file NAME, soon) readable by nginx's workers
# only (mode 640, group www-data) when this runs as root or in that group; otherwise
# readable by all, with a warning that says to run HINT as root.
restrict_to_nginx() {
  if chgrp "$NGINX_WORKER_GID" "$1" 2>/dev/null; then
    chmod 640 "$1"
  else
    chmod 644 "$1"
    warn "$2 is readable by every user of this host: run '$3' as root to give it to nginx's group ($NGINX_WORKER_GID) only"
  fi
}
