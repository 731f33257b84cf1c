# shellcheck shell=bash
# The operator's settings (.env), the host's runtime state (state.env) and the Compose
# command built from them. Everything is checked before anything starts.

readonly COMPOSE_FILE_PRODUCTION="$PROTOSTAR_ROOT/compose/production.yml"
readonly ENV_EXAMPLE="$PROTOSTAR_ROOT/compose/production.env.example"
readonly SECRET_VARIABLES=(POSTGRES_PASSWORD REDIS_PASSWORD JWT_SECRET S3_ACCESS_KEY S3_SECRET_KEY
  POSTGRES_OWNER_PASSWORD POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD REDIS_BACKEND_PASSWORD
  REDIS_WORKER_PASSWORD METRICS_PASSWORD POSTGRES_MONITOR_PASSWORD REDIS_MONITOR_PASSWORD
  POSTGRES_ARCHIVE_CIPHER_PASS)
# The secrets a release added after the first: `up` generates those an existing .env lacks
# (an upgrade), while one of the others missing is a mistake it names.
readonly ADDED_SECRET_VARIABLES=(POSTGRES_OWNER_PASSWORD POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD
  REDIS_BACKEND_PASSWORD REDIS_WORKER_PASSWORD METRICS_PASSWORD POSTGRES_MONITOR_PASSWORD REDIS_MONITOR_PASSWORD
  POSTGRES_ARCHIVE_CIPHER_PASS)

env_file() { printf '%s\n' "${PROTOSTAR_ENV_FILE:-$PROTOSTAR_ROOT/.env}"; }

# A random secret of 48 hex characters (no openssl needed).
generate_secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

# create_settings_file FILE EXAMPLE SECRET-VAR... — FILE from EXAMPLE, each empty SECRET-VAR
# given a generated value, mode 600, written atomically; when FILE is missing only: an
# existing file is never touched.
create_settings_file() {
  local file=$1 example=$2 var tmp
  shift 2
  [[ -e "$file" ]] && return 0
  tmp=$(mktemp "$file.XXXXXX")
  cp "$example" "$tmp"
  for var in "$@"; do
    sed -i "s/^$var=\$/$var=$(generate_secret)/" "$tmp"
  done
  chmod 600 "$tmp"
  mv "$tmp" "$file"
  info "created $file with generated secrets (keep it private, keep a copy)"
}

# add_missing_secrets FILE EXAMPLE SECRET-VAR... — each SECRET-VAR that FILE has no line
# for is appended with a generated value (a setting a newer release added, documented in
# EXAMPLE); every existing line, empty ones included, is left as it is. Written
# atomically, keeping the file's mode.
add_missing_secrets() {
  local file=$1 example=$2 var tmp added=()
  shift 2
  for var in "$@"; do
    grep -q "^$var=" "$file" || added+=("$var")
  done
  ((${#added[@]})) || return 0
  tmp=$(mktemp "$file.XXXXXX")
  cp -p "$file" "$tmp"
  [[ -z "$(tail -c 1 "$tmp")" ]] || echo >>"$tmp"
  printf '# Added by protostar up (%s): see %s\n' "$(date -u +%Y-%m-%d)" "${example#"$PROTOSTAR_ROOT/"}" >>"$tmp"
  for var in "${added[@]}"; do
    printf '%s=%s\n' "$var" "$(generate_secret)" >>"$tmp"
  done
  mv "$tmp" "$file"
  info "added ${added[*]} to $file (generated; keep a copy)"
}

# set_settings FILE KEY=VALUE... — each KEY's line of FILE set to VALUE (appended when it
# has none); every other line kept as it is. Written atomically (a copy beside it, then a
# rename) with the file's mode and owner kept. Values never reach a command line (`ps`
# shows those): bash itself writes the copy.
set_settings() {
  local file=$1 tmp line pair key
  shift
  local -A wanted=() done_=()
  for pair in "$@"; do
    wanted[${pair%%=*}]=${pair#*=}
  done
  tmp=$(mktemp "$file.XXXXXX")
  cp -p "$file" "$tmp"
  {
    while IFS= read -r line || [[ -n "$line" ]]; do
      key=${line%%=*}
      if [[ "$line" == *=* && -n "${wanted[$key]+set}" && -z "${done_[$key]:-}" ]]; then
        printf '%s=%s\n' "$key" "${wanted[$key]}"
        done_[$key]=1
      elif [[ "$line" == *=* && -n "${done_[$key]:-}" ]]; then
        continue # a repeated line would override the new value
      else
        printf '%s\n' "$line"
      fi
    done <"$file"
    for pair in "$@"; do
      key=${pair%%=*}
      [[ -n "${done_[$key]:-}" ]] || printf '%s=%s\n' "$key" "${wanted[$key]}"
    done
  } >"$tmp"
  mv "$tmp" "$file"
}

# ensure_env_file — .env from the example with generated secrets, when it is missing;
# an existing one gains the secrets a newer release added.
ensure_env_file() {
  local new=""
  [[ -e "$(env_file)" ]] || new=1
  create_settings_file "$(env_file)" "$ENV_EXAMPLE" "${SECRET_VARIABLES[@]}"
  add_missing_secrets "$(env_file)" "$ENV_EXAMPLE" "${ADDED_SECRET_VARIABLES[@]}"
  ensure_data_key "$new"
}

# new_data_key — 32 random bytes in base64: an AES-256 key for DATA_ENCRYPTION_KEYS.
new_data_key() { head -c 32 /dev/urandom | base64 -w 0; }

# ensure_data_key NEW — the conversation data key (compose/README.md, "Conversation data
# encryption"). A new .env gets key k1, active: nothing was written yet, so nothing can
# be unreadable to anyone. An .env of a release before encryption (no
# DATA_ENCRYPTION_KEYS line at all) gets k1 too, but not active: the colour kept for a
# rollback, and the worker until its replacement, cannot read it, so it is made active in
# a later deploy, once every app has it. A line that is there, even empty, is the
# operator's choice and left alone.
ensure_data_key() {
  local file
  file=$(env_file)
  grep -q '^DATA_ENCRYPTION_KEYS=' "$file" && ! grep -q '^DATA_ENCRYPTION_KEYS=$' "$file" && return 0
  if [[ -n "$1" ]]; then
    set_settings "$file" "DATA_ENCRYPTION_KEYS=k1:$(new_data_key)" DATA_ENCRYPTION_ACTIVE_KEY=k1
  elif ! grep -q '^DATA_ENCRYPTION_KEYS=' "$file"; then
    set_settings "$file" "DATA_ENCRYPTION_KEYS=k1:$(new_data_key)" DATA_ENCRYPTION_ACTIVE_KEY=
    info "added DATA_ENCRYPTION_KEYS (key k1, generated; keep a copy) to $file, not active yet: once this start has deployed both apps, set DATA_ENCRYPTION_ACTIVE_KEY=k1 there and run 'protostar up' again to encrypt conversations from then on"
  fi
}

# The variables the operator set in .env: image defaults never replace them.
declare -A OPERATOR_SET=()

# settings_pairs FILE — its KEY=VALUE lines, comments and blank lines left out; stops at
# the first line that is neither. The file is parsed, never sourced: a value is taken
# literally (one pair of surrounding quotes is removed).
settings_pairs() {
  local file=$1 line key value n=0
  while IFS= read -r line || [[ -n "$line" ]]; do
    n=$((n + 1))
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ ! "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      abort "$file:$n: not a VARIABLE=value line: $line"
    fi
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    printf '%s=%s\n' "$key" "$value"
  done <"$file"
}

# read_env_file FILE — exports its KEY=VALUE lines (settings_pairs).
read_env_file() {
  local pairs pair
  pairs=$(settings_pairs "$1") || exit 1
  while IFS= read -r pair; do
    [[ -n "$pair" ]] || continue
    export "${pair?}"
    OPERATOR_SET[${pair%%=*}]=1
  done <<<"$pairs"
}

# The checks, by variable: a name for a check function below.
declare -A ENV_RULES=(
  [COMPOSE_PROJECT_NAME]=project_name
  [STATE_DIR]=path
  [PUBLIC_HOSTNAME]=hostname
  [BIND_ADDRESS]=ipv4
  [HTTPS_PORT]=port
  [HTTP_PORT]=port
  [TLS_DIR]=path
  [POSTGRES_PASSWORD]=secret
  [REDIS_PASSWORD]=secret
  [JWT_SECRET]=jwt_secret
  [POSTGRES_OWNER_PASSWORD]=secret
  [POSTGRES_BACKEND_PASSWORD]=secret
  [POSTGRES_WORKER_PASSWORD]=secret
  [REDIS_BACKEND_PASSWORD]=secret
  [REDIS_WORKER_PASSWORD]=secret
  [METRICS_PASSWORD]=secret
  [POSTGRES_MONITOR_PASSWORD]=secret
  [REDIS_MONITOR_PASSWORD]=secret
  [POSTGRES_ARCHIVE_CIPHER_PASS]=secret
  [S3_BUCKET]=bucket
  [S3_ACCESS_KEY]=access_key
  [S3_SECRET_KEY]=secret
  [POSTGRES_DB]=identifier
  [POSTGRES_USER]=identifier
  [POSTGRES_SHARED_BUFFERS]=pg_size
  [REDIS_MAXMEMORY]=redis_size
  [BACKEND_MEMORY_LIMIT]=memory
  [AI_WORKER_MEMORY_LIMIT]=memory
  [POSTGRES_MEMORY_LIMIT]=memory
  [REDIS_MEMORY_LIMIT]=memory
  [NGINX_MEMORY_LIMIT]=memory
  [OBJECT_STORE_MEMORY_LIMIT]=memory
)

# Optional settings, checked only when set (Compose gives each a default, or none). The
# bootstrap admin, created by the backend at startup when no account has the address,
# needs both of its variables or neither. PROTOSTAR_SIGNUP_POLICY=domains needs
# PROTOSTAR_SIGNUP_DOMAINS.
declare -A OPTIONAL_ENV_RULES=(
  [PROTOSTAR_ADMIN_EMAIL]=email
  [PROTOSTAR_ADMIN_PASSWORD]=password
  [PROTOSTAR_SIGNUP_POLICY]=signup_policy
  [PROTOSTAR_SIGNUP_DOMAINS]=domains
  [PROTOSTAR_TIER_AUTO_PROMOTION]=boolean
  [AI_WORKER_CONCURRENCY]=concurrency
  [AI_WORKER_CPU_SHARES]=cpu_shares
  [DEPLOY_WARMUP_CPU_SHARES]=warmup_shares
  [ROLLBACK_WARM_MINUTES]=minutes_in_a_day
  [AI_WORKER_REDIS_POOL_SIZE]=pool_size
  [BACKEND_REDIS_POOL_SIZE]=pool_size
  [BACKEND_JAVA_OPTIONS]=java_options
  [S3_ENDPOINT]=url
  [LOKI_URL]=url
  [MANAGEMENT_CACERT]=pem_file
  [METRICS_PORT]=port
  [METRICS_ALLOW]=ipv4_networks
  [DOCKER_ROOT_DIR]=path
  [NGINX_RATE_LIMIT]=rate
  [NGINX_RATE_BURST]=rate
  [ANSWER_PROVIDER]=answer_provider
  [ANSWER_BASE_URL]=api_url
  [ANSWER_API_KEY]=api_key
  [ANSWER_MODEL]=model
  [ANSWER_TIMEOUT]=duration
  [ANSWER_FIRST_TOKEN_TIMEOUT]=duration
  [JWT_PREVIOUS_SECRET]=jwt_secret
  [DATA_ENCRYPTION_KEYS]=data_keys
  [DATA_ENCRYPTION_ACTIVE_KEY]=data_key_id
  [JWT_SESSION_MAX_AGE]=lifetime
  [PROTOSTAR_AUDIT_RETENTION]=lifetime
)
# Never echoed back in an error message (read by settings_problems, through a nameref).
# shellcheck disable=SC2034
readonly QUIET_VARIABLES=(PROTOSTAR_ADMIN_PASSWORD ANSWER_API_KEY JWT_PREVIOUS_SECRET DATA_ENCRYPTION_KEYS)

# check_value RULE VALUE — prints what is expected when VALUE breaks RULE.
check_value() {
  local rule=$1 v=$2
  case "$rule" in
    project_name) [[ "$v" =~ ^[a-z0-9][a-z0-9_-]*$ ]] || echo "lowercase letters, digits, '-' or '_'" ;;
    path) [[ -n "$v" && "$v" != *[[:space:]]* ]] || echo "a directory path without spaces" ;;
    hostname) [[ "$v" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || echo "a host name such as chat.example.com" ;;
    ipv4)
      # Each part 0-255 without a leading zero (bash would read 010 as octal).
      local part='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
      [[ "$v" =~ ^$part\.$part\.$part\.$part$ ]] ||
        echo "an IPv4 address such as 0.0.0.0 or 127.0.0.1"
      ;;
    port) [[ "$v" =~ ^[1-9][0-9]{0,4}$ ]] && ((v <= 65535)) || echo "a port number from 1 to 65535" ;;
    secret) [[ "$v" =~ ^[A-Za-z0-9._~+/=-]{24,}$ ]] || echo "at least 24 characters of letters, digits or ._~+/=-" ;;
    # HS256 needs a key of at least 256 bits; the backend refuses a shorter one too.
    jwt_secret) [[ "$v" =~ ^[A-Za-z0-9._~+/=-]{32,}$ ]] || echo "at least 32 characters of letters, digits or ._~+/=-" ;;
    email) [[ "$v" =~ ^[^@[:space:]\"\']+@[^@[:space:]\"\']+\.[^@[:space:]\"\']+$ ]] || echo "an e-mail address such as admin@example.com" ;;
    password) [[ "$v" =~ ^[^[:space:]\"\']{10,128}$ ]] || echo "10 to 128 characters without spaces or quotes" ;;
    identifier) [[ "$v" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || echo "a lowercase SQL identifier" ;;
    pg_size) [[ "$v" =~ ^[0-9]+(kB|MB|GB)$ ]] || echo "a PostgreSQL size such as 512MB or 2GB" ;;
    redis_size) [[ "$v" =~ ^[0-9]+(kb|mb|gb)$ ]] || echo "a Redis size such as 512mb or 2gb" ;;
    java_options) [[ "$v" =~ ^-[A-Za-z0-9=+:.,_/%-]*( -[A-Za-z0-9=+:.,_/%-]*)*$ ]] || echo "JVM options such as -Xmx1g -XX:+ExitOnOutOfMemoryError" ;;
    bucket) [[ "$v" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || echo "an S3 bucket name: 3 to 63 lowercase letters, digits, '.' or '-'" ;;
    access_key) [[ "$v" =~ ^[A-Za-z0-9._~+/=-]{3,128}$ ]] || echo "3 to 128 letters, digits or ._~+/=-" ;;
    pem_file)
      local file
      file=$(absolute "$v")
      [[ -r "$file" ]] && openssl x509 -in "$file" -noout 2>/dev/null ||
        echo "a readable PEM certificate, a path on this host (the management host's tls.crt, or its CA)"
      ;;
    url) [[ "$v" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$ ]] || echo "an http(s) URL such as https://s3.ops.example.org:8443" ;;
    api_url) [[ "$v" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$ ]] || echo "an http(s) URL such as http://vllm:8000/v1" ;;
    answer_provider) [[ "$v" =~ ^(offline|openai|gemini)$ ]] || echo "offline, openai or gemini" ;;
    signup_policy) [[ "$v" =~ ^(open|domains|invite|closed)$ ]] || echo "open, domains, invite or closed" ;;
    # Each a host name; the backend compares them with the part after '@', ignoring case.
    domains) [[ "$v" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(,[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)*$ ]] || echo "e-mail domains separated by commas, such as example.com,example.org" ;;
    boolean) [[ "$v" =~ ^(true|false)$ ]] || echo "true or false" ;;
    # AES-256 keys: 32 bytes, base64 (standard or URL-safe, padding optional), each named.
    data_keys)
      local entry='[a-z0-9-]{1,32}:[A-Za-z0-9+/_-]{43}=?'
      [[ "$v" =~ ^$entry(,$entry)*$ ]] || echo "comma-separated id:key entries, each id 1 to 32 of a-z 0-9 -, each key 32 bytes in base64 (head -c 32 /dev/urandom | base64)"
      ;;
    data_key_id) [[ "$v" =~ ^[a-z0-9-]{1,32}$ ]] || echo "the id of one of DATA_ENCRYPTION_KEYS' keys, such as k1" ;;
    api_key) [[ "$v" =~ ^[A-Za-z0-9._~+/=:-]{8,512}$ ]] || echo "8 to 512 letters, digits or ._~+/=:-" ;;
    model) [[ "$v" =~ ^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$ ]] || echo "a model name such as qwen2.5:7b-instruct or gemini-2.5-flash" ;;
    duration) [[ "$v" =~ ^[1-9][0-9]{0,5}(ms|s|m)$ ]] || echo "a duration such as 30s, 500ms or 2m" ;;
    lifetime) [[ "$v" =~ ^[1-9][0-9]{0,5}(m|h|d)$ ]] || echo "a lifetime such as 30d, 12h or 90m" ;;
    concurrency) [[ "$v" =~ ^[1-9][0-9]?$ ]] && ((v <= 64)) || echo "a whole number from 1 to 64" ;;
    pool_size) [[ "$v" =~ ^[1-9][0-9]{0,3}$ ]] && ((v >= 2 && v <= 1024)) || echo "a whole number from 2 to 1024" ;;
    memory) [[ "$v" =~ ^[0-9]+[kmg]$ ]] || echo "a memory size such as 512m or 3g" ;;
    rate) [[ "$v" =~ ^[1-9][0-9]{0,5}$ ]] || echo "a whole number from 1 to 999999" ;;
    cpu_shares) [[ "$v" =~ ^[1-9][0-9]{0,5}$ ]] && ((v >= 2 && v <= 262144)) || echo "a whole number from 2 to 262144 (1024 is a normal service's weight)" ;;
    # Below the serving colour's 1024, or a starting colour would not give way to it.
    warmup_shares) [[ "$v" =~ ^[1-9][0-9]{0,3}$ ]] && ((v >= 2 && v <= 1023)) || echo "a whole number from 2 to 1023 (below the serving colour's 1024)" ;;
    age_recipients)
      # age X25519 recipients (public keys), separated by commas or spaces.
      local recipient
      for recipient in ${v//,/ }; do
        [[ "$recipient" =~ ^age1[02-9ac-hj-np-z]{58}$ ]] || {
          echo "age public keys (age1..., from age-keygen), separated by commas"
          break
        }
      done
      ;;
    minutes_in_a_day) [[ "$v" =~ ^(0|[1-9][0-9]{0,3})$ ]] && ((v <= 1440)) || echo "a whole number of minutes from 0 to 1440" ;;
    ipv4_network)
      # An address, or a network in CIDR notation (an address with /0 to /32).
      if [[ -n "$(check_value ipv4 "${v%/*}")" ]] || [[ "$v" == */* && ! "${v#*/}" =~ ^([0-9]|[12][0-9]|3[0-2])$ ]]; then
        echo "an IPv4 address or network such as 203.0.113.7 or 198.51.100.0/24"
      fi
      ;;
    ipv4_networks)
      local item
      for item in ${v//,/ }; do
        [[ -z "$(check_value ipv4_network "$item")" ]] && continue
        echo "IPv4 addresses or networks separated by commas, such as 203.0.113.7,198.51.100.0/24 ($item is not one)"
        break
      done
      ;;
    *) echo "(no rule '$rule')" ;;
  esac
}

# settings_problems CHECKER RULES OPTIONAL QUIET — what is wrong with the variables read
# from a settings file, one line each. RULES and OPTIONAL name associative arrays
# VARIABLE=rule: each of RULES must be present and well-formed, each of OPTIONAL
# well-formed when set. QUIET names an array of variables whose value is never echoed.
# CHECKER is check_value or a function adding rules of its own.
settings_problems() {
  local checker=$1 var verdict
  local -n required=$2 optional=$3 quiet=$4
  # The checker's verdicts pass through a file, not $(...): a subshell a variable made
  # every command (they all load the settings) a third of a second slower on a busy host.
  verdict=$(mktemp)
  for var in $(printf '%s\n' "${!required[@]}" | sort); do
    setting_problem "${required[$var]}"
  done
  for var in $(printf '%s\n' "${!optional[@]}" | sort); do
    [[ -z "${!var:-}" ]] || setting_problem "${optional[$var]}"
  done
  rm -f "$verdict"
}

# setting_problem RULE — settings_problems' verdict on one variable ($var, $checker,
# $quiet and $verdict are its).
setting_problem() {
  local expected=""
  if [[ -z "${!var+set}" ]]; then
    echo "$var is missing"
  elif [[ -z "${!var}" ]]; then
    echo "$var is empty"
  else
    "$checker" "$1" "${!var}" >"$verdict"
    IFS= read -r expected <"$verdict" || true
    [[ -z "$expected" ]] && return 0
    if [[ " ${quiet[*]} " == *" $var "* ]]; then
      echo "$var is malformed: expected $expected"
    else
      echo "$var=${!var} is malformed: expected $expected"
    fi
  fi
}

# documentation_name NAME — NAME (a host name or an IPv4 address) is one kept for
# examples, which no real host has: example.org/.com/.net and below, .example, .localhost,
# .invalid (RFC 2606, 6761) and the documentation networks 192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24 (RFC 5737).
documentation_name() {
  local name=${1,,}
  [[ "$name" =~ (^|\.)example\.(org|com|net)$ || "$name" =~ (^|\.)(example|localhost|invalid)$ ||
    "$name" =~ ^(192\.0\.2|198\.51\.100|203\.0\.113)\.[0-9]+$ ]]
}

# placeholder_problems EXAMPLE VAR... — a line for each VAR (set) whose value is still the
# example's, or names a host or address kept for documentation (documentation_name; in a
# list, URL or HOST:PORT): a first `up` must not go on to serve, or trust, nobody's host.
placeholder_problems() {
  local example=$1 var value item host
  shift
  for var in "$@"; do
    value=${!var:-}
    [[ -n "$value" ]] || continue
    if grep -qxF "$var=$value" "$example"; then
      echo "$var=$value is the example's placeholder: set this site's own"
      continue
    fi
    for item in ${value//,/ }; do
      host=${item#*://} && host=${host#*@} && host=${host%%[/:]*}
      if documentation_name "$host"; then
        echo "$var=$value: $host is a name or address kept for documentation, no real host's: set this site's own"
        break
      fi
    done
  done
}

# report_problems FILE EXAMPLE [PROBLEM...] — names every problem, then stops before
# anything starts; nothing when there is none.
report_problems() {
  local file=$1 example=$2 problem
  shift 2
  (($#)) || return 0
  for problem in "$@"; do printf 'protostar: %s: %s\n' "$file" "$problem" >&2; done
  abort "fix $file (documented in $example); nothing was started"
}

# validate_env — every variable present and well-formed; all problems reported at once.
validate_env() {
  local problems=() added_re
  # A secret a newer release added is missing only where `up` has not run since.
  added_re=$(printf '%s|' "${ADDED_SECRET_VARIABLES[@]}")
  mapfile -t problems < <(settings_problems check_value ENV_RULES OPTIONAL_ENV_RULES QUIET_VARIABLES |
    sed -E "s/^(${added_re%|}) is missing$/\1 is missing: 'protostar up' adds it (generated)/")
  if [[ -n "${PROTOSTAR_ADMIN_EMAIL:-}" && -z "${PROTOSTAR_ADMIN_PASSWORD:-}" ]]; then
    problems+=("PROTOSTAR_ADMIN_EMAIL is set but PROTOSTAR_ADMIN_PASSWORD is empty (set both or neither)")
  elif [[ -z "${PROTOSTAR_ADMIN_EMAIL:-}" && -n "${PROTOSTAR_ADMIN_PASSWORD:-}" ]]; then
    problems+=("PROTOSTAR_ADMIN_PASSWORD is set but PROTOSTAR_ADMIN_EMAIL is empty (set both or neither)")
  fi
  if [[ "${PROTOSTAR_SIGNUP_POLICY:-}" == domains && -z "${PROTOSTAR_SIGNUP_DOMAINS:-}" ]]; then
    problems+=("PROTOSTAR_SIGNUP_POLICY=domains needs PROTOSTAR_SIGNUP_DOMAINS (e.g. example.com,example.org)")
  fi
  # A remote answer provider needs its endpoint and model (Gemini: its key; its URL has a
  # default); the worker would refuse to start without them, after the stack came up.
  case "${ANSWER_PROVIDER:-offline}" in
    openai)
      [[ -n "${ANSWER_BASE_URL:-}" ]] || problems+=("ANSWER_PROVIDER=openai needs ANSWER_BASE_URL (e.g. http://vllm:8000/v1)")
      [[ -n "${ANSWER_MODEL:-}" ]] || problems+=("ANSWER_PROVIDER=openai needs ANSWER_MODEL")
      ;;
    gemini)
      [[ -n "${ANSWER_API_KEY:-}" ]] || problems+=("ANSWER_PROVIDER=gemini needs ANSWER_API_KEY")
      [[ -n "${ANSWER_MODEL:-}" ]] || problems+=("ANSWER_PROVIDER=gemini needs ANSWER_MODEL (e.g. gemini-2.5-flash)")
      ;;
  esac
  # Each job thread, the dispatcher and the lease timer hold one pooled connection at
  # once; with fewer, job threads wait for one and time out under load.
  local concurrency=${AI_WORKER_CONCURRENCY:-4} pool=${AI_WORKER_REDIS_POOL_SIZE:-16}
  if [[ "$concurrency" =~ ^[0-9]+$ && "$pool" =~ ^[0-9]+$ ]] && ((pool < concurrency + 2)); then
    problems+=("AI_WORKER_REDIS_POOL_SIZE=$pool is too small for AI_WORKER_CONCURRENCY=$concurrency: at least $((concurrency + 2))")
  fi
  # `up` makes these three roles non-superusers: the superuser must be another.
  case "${POSTGRES_USER:-}" in
    protostar_owner | protostar_backend | protostar_worker)
      problems+=("POSTGRES_USER=$POSTGRES_USER is the name of a service's role: the superuser needs another (e.g. protostar)")
      ;;
  esac
  # The apps would refuse to start, after the stack came up.
  if [[ -n "${DATA_ENCRYPTION_ACTIVE_KEY:-}" && ",${DATA_ENCRYPTION_KEYS:-}" != *",$DATA_ENCRYPTION_ACTIVE_KEY:"* ]]; then
    problems+=("DATA_ENCRYPTION_ACTIVE_KEY=$DATA_ENCRYPTION_ACTIVE_KEY is not the id of a key in DATA_ENCRYPTION_KEYS (add the key there first, and make it active in a later deploy)")
  fi
  if [[ -n "${HTTPS_PORT:-}" && "$HTTPS_PORT" == "${HTTP_PORT:-}" ]]; then
    problems+=("HTTPS_PORT and HTTP_PORT are both ${HTTPS_PORT:-}")
  fi
  report_problems "$(env_file)" compose/production.env.example "${problems[@]}"
}

# unknown_settings EXAMPLE COMPOSE_FILE — a line per variable of the settings file just
# read that nothing reads: not in the example (set or commented out), not a variable the
# compose file uses. With the nearest known name, for a typo.
unknown_settings() {
  local example=$1 compose_file=$2 key near app
  local -A known=()
  for key in "${!ENV_RULES[@]}" "${!OPTIONAL_ENV_RULES[@]}" "${QUIET_VARIABLES[@]}" \
    $(sed -nE 's/^#? *([A-Z][A-Z0-9_]*)=.*/\1/p' "$example") \
    $(grep -oE '\$\{[A-Z][A-Z0-9_]*' "$compose_file" | cut -c3-); do
    known[$key]=1
  done
  for key in $(printf '%s\n' "${!OPERATOR_SET[@]}" | sort); do
    [[ -z "${known[$key]:-}" ]] || continue
    app=$(app_of_setting "$key")
    if [[ -n "$app" ]]; then
      printf "unknown setting %s in %s: nothing reads it there; it is the %s's, set it in %s\n" "$key" "$(env_file)" "$app" "$(app_settings_file "$app")"
      continue
    fi
    near=$(nearest_word "$key" "${!known[@]}")
    printf "unknown setting %s in %s: nothing reads it%s\n" "$key" "$(env_file)" "${near:+; did you mean $near?}"
  done
}

# --- Settings read at the first start only ------------------------------------------------
# PostgreSQL creates its superuser and database when its volume is new, and Compose names
# the volumes after the project: changed later, these would point at nothing or be ignored.
# The first `up` records a fingerprint of each in the state; a later one refuses a change.
FIRST_START_SETTINGS=(COMPOSE_PROJECT_NAME POSTGRES_USER POSTGRES_DB POSTGRES_PASSWORD)

# setting_fingerprint VALUE — a short hash, so that no secret is copied into the state.
setting_fingerprint() { printf '%s' "$1" | sha256sum | cut -c1-16; }

# first_start_problems — a line for each first-start setting changed since it was recorded,
# saying what to do instead.
first_start_problems() {
  local var recorded
  for var in "${FIRST_START_SETTINGS[@]}"; do
    recorded=$(sed -n "s/^FIRST_START_$var=//p" "$(state_file)" 2>/dev/null)
    [[ -n "$recorded" && "$recorded" != "$(setting_fingerprint "${!var:-}")" ]] || continue
    case "$var" in
      COMPOSE_PROJECT_NAME)
        echo "COMPOSE_PROJECT_NAME changed since the first start: the volumes of the data are named after the old project, so the new one would start empty. Put the old name back (the state's containers: docker ps -a --filter label=com.docker.compose.project), or move the data: protostar backup, then restore it into a new install with its own STATE_DIR" ;;
      POSTGRES_PASSWORD)
        echo "POSTGRES_PASSWORD changed since the first start, but PostgreSQL keeps the one it was created with: put the old value back, then run 'protostar secrets rotate postgres', which changes it in the database and .env without downtime" ;;
      *)
        echo "$var changed since the first start, but PostgreSQL created it then and keeps it: put the old value back" ;;
    esac
  done
}

# record_first_start — the fingerprints, once: on the first `up` (or the first one of a
# release that records them, which takes the values in force as the reference).
record_first_start() {
  local var pairs=()
  for var in "${FIRST_START_SETTINGS[@]}"; do
    grep -q "^FIRST_START_$var=" "$(state_file)" 2>/dev/null ||
      pairs+=("FIRST_START_$var=$(setting_fingerprint "${!var:-}")")
  done
  ((${#pairs[@]} == 0)) || write_state "${pairs[@]}"
}

# --- The apps' own settings ---------------------------------------------------------------
# What .env does not carry (tier limits, token lifetimes, ingestion, the queue, ...) is set
# for one app in a file of its own beside .env, which Compose hands to that app's
# containers only (env_file); compose/<app>.env.example lists what each app reads.

# app_settings_file APP — .env.backend or .env.ai-worker, beside .env.
app_settings_file() {
  local file=${PROTOSTAR_ENV_FILE:-$PROTOSTAR_ROOT/.env} # env_file, without a fork
  [[ "$file" == */* ]] && file=${file%/*} || file=.
  printf '%s/.env.%s\n' "$file" "$1"
}

# app_of_setting KEY — the app (backend, ai-worker) whose settings file takes KEY.
app_of_setting() {
  local app
  for app in backend ai-worker; do
    if grep -qE "^#? *$1=" "$PROTOSTAR_ROOT/compose/$app.env.example"; then
      printf '%s\n' "$app"
      return 0
    fi
  done
}

# compose_sets KEY — the .env variable Compose gives an app as KEY (its environment
# sections), "-" for a fixed value; nothing when Compose does not set KEY.
compose_sets() {
  local line
  line=$(grep -m1 -E "^ +$1: " "$COMPOSE_FILE_PRODUCTION") || return 0
  if [[ "$line" =~ \$\{([A-Z][A-Z0-9_]*) ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  else
    printf -- '-\n'
  fi
}

# app_settings_check APP — a line per key of the app's settings file that cannot work,
# prefixed "problem: " (Compose sets it from .env, overriding the file) or "unknown: "
# (the app reads no such setting: a typo would leave the default in force, silently).
app_settings_check() {
  local app=$1 file example key from near pairs
  file=$(app_settings_file "$app") example=$PROTOSTAR_ROOT/compose/$app.env.example
  [[ -f "$file" ]] || return 0
  pairs=$(settings_pairs "$file") || exit 1
  local -a known
  mapfile -t known < <(sed -nE 's/^#? *([A-Z][A-Z0-9_]*)=.*/\1/p' "$example")
  while IFS='=' read -r key _; do
    [[ -n "$key" ]] || continue
    from=$(compose_sets "$key")
    if [[ "$from" == - ]]; then
      printf 'problem: %s is fixed by compose/production.yml: remove it\n' "$key"
    elif [[ -n "$from" ]]; then
      printf 'problem: %s comes from .env: set %s there instead\n' "$key" "$from"
    elif [[ "$key" != LOGGING_LEVEL_* ]] && ! printf '%s\n' "${known[@]}" | grep -qx "$key"; then
      near=$(nearest_word "$key" "${known[@]}")
      printf 'unknown: unknown setting %s in %s: the %s reads no such setting%s\n' "$key" "$file" "$app" "${near:+; did you mean $near?}"
    fi
  done <<<"$pairs"
}

# check_app_settings — stops on a problem in either app's settings file.
check_app_settings() {
  local app findings line problems
  for app in backend ai-worker; do
    findings=$(app_settings_check "$app") || exit 1
    problems=()
    while IFS= read -r line; do
      [[ "$line" != problem:* ]] || problems+=("${line#problem: }")
    done <<<"$findings"
    report_problems "$(app_settings_file "$app")" "compose/$app.env.example" "${problems[@]}"
  done
}

# unknown_app_settings — a line per key of either app's settings file that the app does
# not read.
unknown_app_settings() {
  local app
  for app in backend ai-worker; do
    app_settings_check "$app" | sed -n 's/^unknown: //p'
  done
}

# absolute PATH — relative paths in .env are relative to the repository root.
absolute() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PROTOSTAR_ROOT/${1#./}" ;;
  esac
}

# load_config — reads and checks .env, then the state, and exports what Compose needs.
load_config() {
  local file
  file=$(env_file)
  [[ -f "$file" ]] || abort "$file not found: run 'protostar up' to create it"
  # .env is the only source of settings: a value inherited from the caller's environment
  # must not hide a variable missing from the file.
  unset "${!ENV_RULES[@]}" "${!OPTIONAL_ENV_RULES[@]}" NGINX_IMAGE POSTGRES_IMAGE REDIS_IMAGE OBJECT_STORE_IMAGE \
    NODE_EXPORTER_IMAGE NGINX_EXPORTER_IMAGE POSTGRES_EXPORTER_IMAGE REDIS_EXPORTER_IMAGE CONTAINER_METRICS_IMAGE LOG_SHIPPER_IMAGE JRE_IMAGE JDK_IMAGE \
    IMAGE_SOURCE ACTIVE_COLOR BACKEND_BLUE_IMAGE BACKEND_GREEN_IMAGE AI_WORKER_IMAGE
  read_env_file "$file"
  validate_env
  check_app_settings
  BACKEND_SETTINGS_FILE=$(app_settings_file backend) AI_WORKER_SETTINGS_FILE=$(app_settings_file ai-worker)
  export BACKEND_SETTINGS_FILE AI_WORKER_SETTINGS_FILE
  STATE_DIR=$(absolute "$STATE_DIR")
  TLS_DIR=$(absolute "$TLS_DIR")
  export STATE_DIR TLS_DIR
  export_app_trust_options
  load_state
}

# --- What the apps trust -----------------------------------------------------------------
# The management host's HTTPS endpoints (S3 on 8443, Loki) carry ops-nginx's certificate,
# self-signed unless the operator brought one: the apps trust it when MANAGEMENT_CACERT
# names it. `up` builds a trust store (the JRE's own authorities plus that one) in
# STATE_DIR/trust, mounted into both apps; the JVM is pointed at it by JAVA_TOOL_OPTIONS.
readonly APP_TRUSTSTORE=/etc/protostar/trust/cacerts

# export_app_trust_options — APP_TRUST_OPTIONS for Compose: empty, or the trust store's
# system properties ahead of the apps' JVM options. The CA's fingerprint is among them, so
# another CA is a changed setting, which `up` applies by redeploying the apps. The store's
# password is the JDK's well-known default: it holds public certificates only.
export_app_trust_options() {
  APP_TRUST_OPTIONS=""
  if [[ -n "${MANAGEMENT_CACERT:-}" ]]; then
    MANAGEMENT_CACERT=$(absolute "$MANAGEMENT_CACERT")
    APP_TRUST_OPTIONS="-Djavax.net.ssl.trustStore=$APP_TRUSTSTORE -Djavax.net.ssl.trustStorePassword=changeit"
    APP_TRUST_OPTIONS+=" -Dprotostar.management-ca=$(sha256sum <"$MANAGEMENT_CACERT" | cut -c1-16) "
  fi
  export APP_TRUST_OPTIONS
}

# write_app_truststore IMAGE — STATE_DIR/trust/cacerts: IMAGE's JRE authorities plus
# MANAGEMENT_CACERT, made with that JRE's keytool; removed when MANAGEMENT_CACERT is empty.
# The directory is always there: both apps mount it. Made again only when the certificate
# or the image changed (the stamp beside it says for which), not at every `up`.
write_app_truststore() {
  local dir="$STATE_DIR/trust" out stamp
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [[ -z "${MANAGEMENT_CACERT:-}" ]]; then
    rm -f "$dir/cacerts" "$dir/cacerts.stamp"
    return 0
  fi
  stamp="$(sha256sum <"$MANAGEMENT_CACERT" | cut -c1-16) $1"
  [[ ! -f "$dir/cacerts" || "$(cat "$dir/cacerts.stamp" 2>/dev/null)" != "$stamp" ]] || return 0
  # shellcheck disable=SC2016 # expanded by the container's shell
  out=$(docker run --rm --user 0 --network none --entrypoint sh -v "$dir:/out" -v "$MANAGEMENT_CACERT:/management-ca.pem:ro" "$1" -c '
    set -e
    java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    cp "$java_home/lib/security/cacerts" /out/.cacerts.new
    "$java_home/bin/keytool" -importcert -noprompt -alias protostar-management -file /management-ca.pem       -keystore /out/.cacerts.new -storepass changeit
    chmod 644 /out/.cacerts.new
    mv /out/.cacerts.new /out/cacerts' 2>&1) ||
    abort "could not build the apps' trust store with MANAGEMENT_CACERT=$MANAGEMENT_CACERT: $out"
  printf '%s\n' "$stamp" >"$dir/cacerts.stamp"
}

state_file() { printf '%s/state.env\n' "$STATE_DIR"; }

# load_state — the runtime state, then the image defaults of the source it records.
load_state() {
  local file key value
  file=$(state_file)
  [[ -f "$file" ]] || return 0
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^[A-Z_]+$ ]] && export "$key=$value"
  done <"$file"
  [[ -n "${IMAGE_SOURCE:-}" ]] && export_image_defaults "$IMAGE_SOURCE"
  return 0
}

# export_image_defaults SOURCE — the pinned image names of SOURCE (upstream|offline),
# except those the operator set in .env: an override always wins.
export_image_defaults() {
  local source=$1 key value
  [[ "$source" == upstream || "$source" == offline ]] || abort "unknown image source '$source' in $(state_file)"
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^[A-Z_]+$ && -z "${OPERATOR_SET[$key]:-}" ]] && export "$key=$value"
  done <"$PROTOSTAR_ROOT/compose/images/$source.env"
  return 0
}

# write_state KEY=VALUE... — updates the state file atomically (write, then rename), so
# a command killed half-way leaves the old state, never a torn one.
write_state() {
  local file="$STATE_DIR/state.env" tmp pair line # state_file, without a fork
  local -a lines=()
  local -A given=()
  [[ -d "$STATE_DIR" ]] || mkdir -p "$STATE_DIR"
  tmp="$file.$$"
  [[ ! -f "$file" ]] || mapfile -t lines <"$file"
  for pair in "$@"; do given[${pair%%=*}]=1; done
  # The other lines as they were, then the given pairs; written beside, then renamed.
  # Builtins only (a deploy records its state on a rollback's clock).
  {
    for line in "${lines[@]}"; do
      [[ -n "${given[${line%%=*}]:-}" && "$line" == *=* ]] || printf '%s\n' "$line"
    done
    printf '%s\n' "$@"
  } >"$tmp"
  for pair in "$@"; do export "${pair?}"; done
  mv "$tmp" "$file"
}

# compose_command — the exact `docker compose` invocation for this host (printed by
# tests; run by compose()). Variables come from the environment load_config built.
# Without S3_ENDPOINT the embedded object store runs (its Compose profile), with LOKI_URL
# the log shipper (profile logs), with BACKUP_S3_URL the WAL archive's shipper (profile
# archive-shipping); --every-profile names them all anyway, for what must reach every
# container the project may have (down).
compose_command() {
  printf '%s\n' docker compose --project-name "$COMPOSE_PROJECT_NAME" --file "$COMPOSE_FILE_PRODUCTION"
  [[ -n "${S3_ENDPOINT:-}" && "${1:-}" != --every-profile ]] || printf '%s\n' --profile embedded-object-store
  [[ -z "${LOKI_URL:-}" && "${1:-}" != --every-profile ]] || printf '%s\n' --profile logs
  [[ -z "${BACKUP_S3_URL:-}" && "${1:-}" != --every-profile ]] || printf '%s\n' --profile archive-shipping
}

# compose_every_profile ARGS... — compose() with every optional profile on (the embedded
# object store, the log shipper), whatever the settings: a store that ran before documents
# moved to another S3 is still the project's, and `down --remove-orphans` does not count a
# service of an inactive profile as an orphan.
compose_every_profile() {
  local -a cmd
  mapfile -t cmd < <(compose_command --every-profile)
  "${cmd[@]}" "$@"
}

compose() {
  local -a cmd
  mapfile -t cmd < <(compose_command)
  "${cmd[@]}" "$@"
}

# database_query — runs the SQL on stdin in the application database of the running
# postgres service (as the superuser, over the container's local socket) and prints the
# rows unaligned, without headers. Fails with psql's message.
database_query() {
  compose exec -T postgres psql -X -q -t -A -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"
}

# outdated_services GROUP... — those of the running services that Compose would create
# anew: their settings (.env, an app's settings file, the compose file) or image changed
# since they started. Compose decides, in a dry run of `up` per GROUP (services separated
# by spaces): its config hash counts the contents of an env_file, which `config --hash`
# leaves out, and also the dependencies started together with a service, so an app is a
# group of its own, as it is started (up's start_app, deploys).
outdated_services() {
  local group
  for group in "$@"; do
    # shellcheck disable=SC2086 # a group is split into its services
    dry_run_recreates compose "$COMPOSE_PROJECT_NAME" $group
  done | sort -u
}

# dry_run_recreates COMPOSE_FUNCTION PROJECT SERVICE... — the services a dry run of `up`
# through COMPOSE_FUNCTION (compose, management_compose, proxy_compose) would recreate.
dry_run_recreates() {
  local run=$1 project=$2
  shift 2
  "$run" --dry-run up --detach --no-deps "$@" 2>&1 | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' |
    sed -nE "s/.* Container ${project}-(.+)-[0-9]+ +Recreate *$/\1/p"
}

# active_backend_conf COLOR [PERCENT OTHER] — the nginx include that selects the backend:
# a split_clients block on the request id, so every request is routed on its own. With
# PERCENT (1..99), that share goes to COLOR and the rest to OTHER (a canary step).
active_backend_conf() {
  local color=$1 percent=${2:-100} other=${3:-}
  # shellcheck disable=SC2016 # nginx's variables, written literally
  printf '%s\n' "# Written by protostar; the deploy command rewrites it. Do not edit by hand." \
    'split_clients "${request_id}" $protostar_backend {'
  if ((percent < 100)); then
    printf '  %s%% backend-%s;\n  * backend-%s;\n' "$percent" "$color" "$other"
  else
    printf '  * backend-%s;\n' "$color"
  fi
  printf '}\n'
}

# write_active_backend COLOR [PERCENT OTHER] — that include, replaced atomically.
write_active_backend() {
  local dir tmp
  dir="$STATE_DIR/nginx"
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.active-backend.XXXXXX")
  active_backend_conf "$@" >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$dir/active-backend.conf"
  write_routing_metrics
}

# routing_metrics — from an active-backend include on stdin, the share of requests each
# colour gets, in Prometheus' text format: nginx serves it on the metrics listener
# (/metrics/routing), so alerts and dashboards know which colour is live, and a canary's
# split while it runs.
routing_metrics() {
  awk '
    match($0, /^[[:space:]]*[0-9.]+%[[:space:]]+backend-(blue|green)[[:space:]]*;/) {
      c = $0; sub(/.*backend-/, "", c); sub(/[[:space:]]*;.*/, "", c)
      share[c] += ($1 + 0) / 100; given += ($1 + 0) / 100
    }
    /^[[:space:]]*\*[[:space:]]+backend-(blue|green)[[:space:]]*;/ {
      c = $0; sub(/.*backend-/, "", c); sub(/[[:space:]]*;.*/, "", c); rest = c
    }
    END {
      if (rest != "") share[rest] += 1 - given
      print "# HELP protostar_backend_traffic_share Share of the requests nginx sends to the backend colour."
      print "# TYPE protostar_backend_traffic_share gauge"
      for (i = 1; i <= 2; i++) { c = (i == 1) ? "blue" : "green"; printf "protostar_backend_traffic_share{color=\"%s\"} %g\n", c, share[c] + 0 }
      print "# HELP protostar_active_color Whether nginx sends requests to the backend colour (1) or none (0)."
      print "# TYPE protostar_active_color gauge"
      for (i = 1; i <= 2; i++) { c = (i == 1) ? "blue" : "green"; printf "protostar_active_color{color=\"%s\"} %d\n", c, (share[c] > 0) }
    }'
}

# write_routing_metrics — STATE_DIR/nginx/routing.prom from the include as it is now
# (after a switch, and after an undone one), replaced atomically.
write_routing_metrics() {
  local dir=$STATE_DIR/nginx tmp
  [[ -f "$dir/active-backend.conf" ]] || return 0
  tmp=$(mktemp "$dir/.routing.XXXXXX")
  routing_metrics <"$dir/active-backend.conf" >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$dir/routing.prom"
}

# ensure_self_signed_pair DIR NAME [SAN] — DIR/tls.crt + DIR/tls.key, a self-signed pair
# for NAME (subjectAltName SAN, default DNS:NAME), unless DIR holds a pair already: a
# certificate of your own (or an ACME client's) is never replaced.
ensure_self_signed_pair() {
  local dir=$1 name=$2 san=${3:-DNS:$2}
  [[ -f "$dir/tls.crt" && -f "$dir/tls.key" ]] && return 0
  command -v openssl >/dev/null || abort "openssl is needed to create a self-signed certificate (apt-get install openssl), or put tls.crt and tls.key into $dir"
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" -subj "/CN=$name" -addext "subjectAltName=$san" 2>/dev/null
  chmod 600 "$dir/tls.key"
  info "created a self-signed certificate for $name in $dir (replace it with your own)"
}

# A self-signed certificate for PUBLIC_HOSTNAME when TLS_DIR has none, made anew when
# the one `up` generated names another host (PUBLIC_HOSTNAME changed): the old one would
# fail every client's check and every deploy's verification. The old pair is kept as
# tls.crt.old/tls.key.old. Prints "renewed" when it replaced one.
ensure_certificate() {
  local dir=$TLS_DIR renewed=""
  if [[ -f "$dir/tls.crt" && -f "$dir/tls.key" ]] && generated_certificate "$dir/tls.crt" &&
    ! certificate_names "$dir/tls.crt" "$PUBLIC_HOSTNAME"; then
    mv -f "$dir/tls.crt" "$dir/tls.crt.old"
    mv -f "$dir/tls.key" "$dir/tls.key.old"
    info "PUBLIC_HOSTNAME is now $PUBLIC_HOSTNAME: the generated certificate named another host (kept as tls.crt.old)"
    renewed=1
  fi
  ensure_self_signed_pair "$dir" "$PUBLIC_HOSTNAME" "DNS:$PUBLIC_HOSTNAME,DNS:localhost,IP:127.0.0.1"
  [[ -z "$renewed" ]] || echo renewed
}

# check_certificate — before anything starts: a certificate the operator provided must
# name PUBLIC_HOSTNAME (a generated one is made anew by ensure_certificate).
check_certificate() {
  local crt=$TLS_DIR/tls.crt
  [[ -f "$crt" ]] || return 0
  openssl x509 -in "$crt" -noout >/dev/null 2>&1 || abort "$crt is not a PEM certificate: replace it, or remove tls.crt and tls.key from $TLS_DIR for a self-signed pair"
  generated_certificate "$crt" && return 0
  certificate_names "$crt" "$PUBLIC_HOSTNAME" ||
    abort "the certificate in $crt does not name PUBLIC_HOSTNAME=$PUBLIC_HOSTNAME (it names: $(certificate_subject_names "$crt")): install one for $PUBLIC_HOSTNAME, or correct PUBLIC_HOSTNAME in $(env_file); nothing was started"
}

# certificate_names CRT HOST — CRT is valid for HOST (its names, wildcards included).
certificate_names() { openssl x509 -in "$1" -noout -checkhost "$2" 2>/dev/null | grep -q ' does match '; }

# certificate_subject_names CRT — the names in CRT's subjectAltName, else its subject.
certificate_subject_names() {
  local names
  names=$(openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | sed 's/^ *//')
  [[ -n "$names" ]] || names=$(openssl x509 -in "$1" -noout -subject 2>/dev/null)
  printf '%s\n' "$names"
}

# generated_certificate CRT — CRT is one `up` made: self-signed, for a host name plus
# localhost and 127.0.0.1 (ensure_certificate's names), not one the operator installed.
generated_certificate() {
  local subject issuer
  subject=$(openssl x509 -in "$1" -noout -subject 2>/dev/null) || return 1
  issuer=$(openssl x509 -in "$1" -noout -issuer 2>/dev/null) || return 1
  [[ "${subject#subject=}" == "${issuer#issuer=}" ]] &&
    certificate_subject_names "$1" | grep -qE '^DNS:[^,]+, DNS:localhost, IP Address:127\.0\.0\.1$'
}

public_url() {
  if [[ "$HTTPS_PORT" == 443 ]]; then
    printf 'https://%s/\n' "$PUBLIC_HOSTNAME"
  else
    printf 'https://%s:%s/\n' "$PUBLIC_HOSTNAME" "$HTTPS_PORT"
  fi
}

# port_in_use ADDRESS PORT — something already listens there.
port_in_use() {
  local address=$1 port=$2
  [[ "$address" == 0.0.0.0 ]] && address=127.0.0.1
  (exec 3<>"/dev/tcp/$address/$port") 2>/dev/null
}

# check_ports_free — the published ports are free, unless this stack's nginx holds them
# already (then `up` is a re-run and changes nothing).
check_ports_free() {
  local port
  if [[ -n "$(compose ps --status running --quiet nginx 2>/dev/null)" ]]; then
    return 0
  fi
  for port in "$HTTPS_PORT" "$HTTP_PORT" "${METRICS_PORT:-9443}"; do
    if port_in_use "$BIND_ADDRESS" "$port"; then
      abort "port $port on $BIND_ADDRESS is already in use by another program: stop it, or set HTTPS_PORT/HTTP_PORT/METRICS_PORT in $(env_file)"
    fi
  done
}
