# shellcheck shell=bash
# The users of the API load (scripts/bench/lib/api_load.py post, and held SSE streams):
# rows in the stack's database, not sign-ups (the benchmarks measure questions and streams,
# not Argon2), with access tokens minted from the stack's JWT_SECRET. Sourced after
# scripts/test/e2e/lib.sh, with the stack's .env loaded (POSTGRES_*, JWT_SECRET).
#
#   api_users_posting DIR N       N ADMIN users (tier limits that allow the rate), with a
#                                 conversation each: "token conversation" lines in DIR/pairs
#   api_users_holding DIR STREAMS PER-USER
#                                 GUEST users for STREAMS streams, PER-USER each (the
#                                 per-user cap): one token per stream in DIR/stream.tokens

api_users_mint() {
  printf '%s\n' "$JWT_SECRET" >"$1/jwt.secret"
  python3 "$PROTOSTAR_ROOT/scripts/bench/lib/api_load.py" mint --secret-file "$1/jwt.secret"
}

# api_users_insert TIER PREFIX — a users row for each id on stdin.
api_users_insert() {
  awk -v tier="$1" -v prefix="$2" -v q="'" '{ printf "INSERT INTO users (id, email, password_hash, display_name, tier) VALUES (%s%s%s, %s%s-%s@example.com%s, %s{noop}unused%s, %sBench%s, %s%s%s);\n",
    q, $1, q, q, prefix, $1, q, q, q, q, q, q, tier, q }' |
    protostar_compose exec -T postgres psql -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" >/dev/null
}

api_users_ids() { python3 -c "import uuid, sys
for _ in range(int(sys.argv[1])): print(uuid.uuid4())" "$1"; }

api_users_posting() {
  local dir=$1 count=$2 token
  api_users_ids "$count" >"$dir/posting.users"
  api_users_insert ADMIN posting <"$dir/posting.users"
  sed 's/$/ ADMIN/' "$dir/posting.users" | api_users_mint "$dir" >"$dir/posting.tokens"
  while read -r token; do
    api POST /api/conversations '{"title":"Benchmark"}' -H "Authorization: Bearer $token" | tail -n +2 |
      jq -r --arg t "$token" '$t + " " + .data.id'
  done <"$dir/posting.tokens" >"$dir/pairs"
  [[ $(grep -c ' [0-9a-f-]\{36\}$' "$dir/pairs") -eq $count ]] || abort "could not create the conversations"
}

api_users_holding() {
  local dir=$1 streams=$2 per_user=$3
  api_users_ids $(((streams + per_user - 1) / per_user)) >"$dir/stream.users"
  api_users_insert GUEST stream <"$dir/stream.users"
  sed 's/$/ GUEST/' "$dir/stream.users" | api_users_mint "$dir" |
    awk -v k="$per_user" '{ for (i = 0; i < k; i++) print }' >"$dir/stream.tokens"
}
