#!/usr/bin/env bash
# Renders /etc/nginx/templates/*.template into /etc/nginx/conf.d/ with only the variables
# that are set (so nginx's own $variables survive), like the official image does.
set -Eeuo pipefail
templates=/etc/nginx/templates
if [[ "${1:-}" == nginx && -d "$templates" ]]; then
  defined=$(compgen -e | sed 's/.*/${&}/' | tr '\n' ' ')
  for t in "$templates"/*.template; do
    [[ -e "$t" ]] || continue
    out=/etc/nginx/conf.d/$(basename "$t" .template)
    envsubst "$defined" <"$t" >"$out"
  done
fi
exec "$@"
