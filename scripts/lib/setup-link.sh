# shellcheck shell=bash
# The first administrator's one-time setup link (compose/README.md, "The first
# administrator"): https://<host>/setup#token=<token>. The token is 256 random bits; only
# its SHA-256 goes into the database (setup_links), so neither the database nor a backup
# of it holds anything that creates an account. The token is in the URL's fragment, which
# browsers never send, so it reaches no access log; it is printed once, on stdout, and is
# on no command line (`ps`) and in no other log. The backend spends a link (POST
# /api/auth/setup) once, within SETUP_LINK_MINUTES. Sourced by `up` and `admin`.

readonly SETUP_LINK_MINUTES=30

# new_setup_token — 64 hex digits from /dev/urandom, the form the backend makes too.
new_setup_token() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

# setup_token_hash TOKEN — its SHA-256 in hex, as the backend hashes it. printf is bash's
# own: the token is never on a command line.
setup_token_hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# setup_link_sql HASH — the SQL that makes HASH the only valid link: every link not yet
# used is dropped (an older link printed before stops working), then HASH is stored,
# valid for SETUP_LINK_MINUTES by the database's clock. As the schema's owner, not the
# superuser the command connects as.
setup_link_sql() {
  [[ "$1" =~ ^[0-9a-f]{64}$ ]] || abort "internal error: not a token hash"
  printf '%s\n' 'SET ROLE protostar_owner;' 'BEGIN;' 'DELETE FROM setup_links WHERE used_at IS NULL;' \
    "INSERT INTO setup_links (token_hash, expires_at) VALUES ('$1', now() + interval '$SETUP_LINK_MINUTES minutes');" \
    'COMMIT;'
}

# admin_count — how many ADMIN accounts exist.
admin_count() {
  local count
  count=$(printf '%s\n' "SELECT count(*) FROM users WHERE tier = 'ADMIN';" | database_query 2>&1) ||
    abort "could not read the accounts (is the stack up? 'protostar up'): $count"
  [[ "$count" =~ ^[0-9]+$ ]] || abort "could not read the accounts: unexpected answer '$count'"
  printf '%s\n' "$count"
}

# setup_links_table — prints t when the database has the setup_links table, f when not.
# It comes with the release that brought setup links (migration V7); a host upgraded with
# `up` keeps its deployed backend, and so its older schema, until the next deploy.
setup_links_table() {
  local answer
  # psql's error is kept for the message; a DEBUG=1 trace would be mixed into it.
  answer=$({ set +x; } 2>/dev/null
    printf '%s\n' "SELECT to_regclass('public.setup_links') IS NOT NULL;" | database_query 2>&1) ||
    abort "could not read the schema (is the stack up? 'protostar up'): $answer"
  [[ "$answer" =~ ^[tf]$ ]] || abort "could not read the schema: unexpected answer '$answer'"
  printf '%s\n' "$answer"
}

# setup_link_url TOKEN — where the link points: the public URL's /setup page.
setup_link_url() { printf '%ssetup#token=%s\n' "$(public_url)" "$1"; }

# issue_setup_link — stores a new link (dropping older unused ones) and prints it, the
# only place the token ever appears.
issue_setup_link() {
  local token out tracing=""
  # Never traced (DEBUG=1 runs set -x): the token would be in the trace.
  { [[ $- == *x* ]] && tracing=1; set +x; } 2>/dev/null
  token=$(new_setup_token)
  [[ "$token" =~ ^[0-9a-f]{64}$ ]] || abort "could not read 32 random bytes from /dev/urandom"
  if ! out=$(setup_link_sql "$(setup_token_hash "$token")" | database_query 2>&1); then
    abort "could not store the setup link (is the stack up? 'protostar up'): $out"
  fi
  printf 'Create the first administrator with this link (it works once, for %s minutes; '"'"'protostar admin reset-link'"'"' makes a new one):\n  %s\n' \
    "$SETUP_LINK_MINUTES" "$(setup_link_url "$token")"
  [[ -z "$tracing" ]] || set -x
}
