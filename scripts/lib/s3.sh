# shellcheck shell=bash
# A small S3 client on curl alone: `curl --aws-sigv4` (curl 7.75 or newer) signs each
# request with AWS Signature V4, which MinIO (and any S3) accepts. No SDK, no extra
# package on the production host, and the exact command lines stay visible to tests.
#
# Two things curl leaves to us, both checked against a real S3 server (S3Proxy) by the
# e2e suite: the x-amz-content-sha256 header (older curl does not send it; S3 servers
# require it) and the canonical query string (curl before 8.1 signs the query as given,
# so it must already be sorted by name and URI-encoded).
#
# Settings (from .env): BACKUP_S3_URL, BACKUP_S3_REGION, BACKUP_S3_ACCESS_KEY,
# BACKUP_S3_SECRET_KEY, BACKUP_S3_CACERT (optional). The key pair reaches curl through a
# config on a file descriptor (-K), never on its command line, where `ps` would show it.
# Sourced once however many libraries need it (its constants are read-only).
[[ -z "${PROTOSTAR_S3_SH:-}" ]] || return 0
PROTOSTAR_S3_SH=1

readonly S3_EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# uri_encode STRING — RFC 3986 encoding as SigV4 wants it (unreserved kept, %XX upper).
uri_encode() {
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s\n' "$out"
}

# s3_url KEY [QUERY] — path-style URL of KEY in the bucket ("" = the bucket itself).
s3_url() {
  local key=$1 query=${2:-}
  printf '%s/%s%s%s\n' "${BACKUP_S3_URL%/}" "$BACKUP_S3_BUCKET" "${key:+/$key}" "${query:+?$query}"
}

# s3_curl_command — curl's fixed part for every request (printed by tests).
s3_curl_command() {
  printf '%s\n' curl -sS --connect-timeout "${S3_CONNECT_TIMEOUT:-10}" \
    --speed-limit 1024 --speed-time "${S3_STALL_SECONDS:-60}" \
    --aws-sigv4 "aws:amz:${BACKUP_S3_REGION:-us-east-1}:s3"
  if [[ -n "${BACKUP_S3_CACERT:-}" ]]; then printf '%s\n' --cacert "$BACKUP_S3_CACERT"; fi
  # curl's --connect-to HOST:PORT:ADDRESS:PORT, from the environment: where this host
  # reaches a store by another address than the name says (the containers' view).
  if [[ -n "${S3_CONNECT_TO:-}" ]]; then printf '%s\n' --connect-to "$S3_CONNECT_TO"; fi
}

# s3_request METHOD KEY QUERY BODY-FILE OUT-FILE [CURL ARGS...] — one signed request.
# BODY-FILE "" sends no body, "-" streams stdin. Prints the HTTP status (000 when no
# answer came); the response body goes to OUT-FILE, headers to OUT-FILE.headers.
# Returns curl's exit status (0 also for an HTTP error: callers judge the status).
s3_request() {
  local method=$1 key=$2 query=$3 body=$4 out=$5 hash=$S3_EMPTY_SHA256
  shift 5
  local -a cmd body_args=() method_args=(-X "$method")
  mapfile -t cmd < <(s3_curl_command)
  # curl -X HEAD would wait for a body that never comes.
  [[ "$method" != HEAD ]] || method_args=(--head)
  if [[ -n "$body" ]]; then
    # Parts are hashed (the server checks them against the signature); a stream cannot be.
    if [[ "$body" == - ]]; then hash=UNSIGNED-PAYLOAD; else hash=$(sha256sum <"$body" | cut -d' ' -f1); fi
    body_args=(--upload-file "$body")
  fi
  "${cmd[@]}" "${method_args[@]}" -H "x-amz-content-sha256: $hash" "${body_args[@]}" "$@" \
    -K <(printf 'user = "%s:%s"\n' "$BACKUP_S3_ACCESS_KEY" "$BACKUP_S3_SECRET_KEY") \
    -D "$out.headers" -o "$out" -w '%{http_code}\n' "$(s3_url "$key" "$query")"
}

# s3_put_file KEY FILE WORK-DIR — FILE stored as KEY; prints the HTTP status of the step
# that failed, or 200. Up to S3_SINGLE_PUT_MB (16) in one PUT, a larger file as a multipart
# upload in parts of that size: a server that verifies the signed payload hash buffers a
# request first, and S3Proxy refuses a single PUT of a few tens of MB ("Your request was
# too big"). A failed upload is abandoned. The last answer is WORK-DIR/put.
s3_put_file() {
  local key=$1 file=$2 dir=$3 part_mb=${S3_SINGLE_PUT_MB:-16} size parts part upload_id status xml=""
  size=$(stat -c %s "$file")
  if ((size <= part_mb * 1048576)); then
    s3_request PUT "$key" "" "$file" "$dir/put" || echo 000
    return 0
  fi
  status=$(s3_request POST "$key" "uploads=" "" "$dir/put") || status=000
  upload_id=$(sed -n 's:.*<UploadId>\([^<]*\)</UploadId>.*:\1:p' "$dir/put" 2>/dev/null)
  [[ "$status" == 200 && -n "$upload_id" ]] || { echo "${status/#200/502}"; return 0; }
  parts=$(((size + part_mb * 1048576 - 1) / (part_mb * 1048576)))
  for ((part = 1; part <= parts; part++)); do
    dd if="$file" of="$dir/part" bs=1M skip=$(((part - 1) * part_mb)) count="$part_mb" status=none || status=000
    [[ "$status" == 000 ]] ||
      status=$(s3_request PUT "$key" "partNumber=$part&uploadId=$(uri_encode "$upload_id")" "$dir/part" "$dir/put") || status=000
    if [[ "$status" != 200 ]]; then
      s3_request DELETE "$key" "uploadId=$(uri_encode "$upload_id")" "" "$dir/abort" >/dev/null 2>&1 || true
      echo "$status"
      return 0
    fi
    xml+="<Part><PartNumber>$part</PartNumber><ETag>$(s3_header "$dir/put" ETag)</ETag></Part>"
  done
  printf '<CompleteMultipartUpload>%s</CompleteMultipartUpload>' "$xml" >"$dir/complete.xml"
  status=$(s3_request POST "$key" "uploadId=$(uri_encode "$upload_id")" "$dir/complete.xml" "$dir/put") || status=000
  # S3 may answer 200 with an error inside the body when completing.
  [[ "$status" != 200 ]] || ! grep -q '<Error>' "$dir/put" || status=502
  echo "$status"
}

# s3_get_stream KEY — the object's bytes on stdout; non-zero (curl --fail) on any error.
s3_get_stream() {
  local -a cmd
  mapfile -t cmd < <(s3_curl_command)
  "${cmd[@]}" --fail -H "x-amz-content-sha256: $S3_EMPTY_SHA256" \
    -K <(printf 'user = "%s:%s"\n' "$BACKUP_S3_ACCESS_KEY" "$BACKUP_S3_SECRET_KEY") "$(s3_url "$1")"
}

# s3_header OUT-FILE NAME — a response header's value (case-insensitive name).
s3_header() {
  sed -n "s/^$2: *//Ip" "$1.headers" 2>/dev/null | tr -d '\r' | tail -n 1
}

# s3_error OUT-FILE — S3's error code and message from an error response, if any.
s3_error() {
  local code message
  code=$(sed -n 's:.*<Code>\([^<]*\)</Code>.*:\1:p' "$1" 2>/dev/null | head -n 1)
  message=$(sed -n 's:.*<Message>\([^<]*\)</Message>.*:\1:p' "$1" 2>/dev/null | head -n 1)
  [[ -z "$code" ]] || printf '%s%s\n' "$code" "${message:+: $message}"
}

# s3_explain STATUS OUT-FILE [CURL-STDERR-FILE] — one line saying what went wrong.
s3_explain() {
  local status=$1 out=$2 err=${3:-} why
  why=$(s3_error "$out")
  case "$status" in
    000) printf 'no answer from %s: %s\n' "$BACKUP_S3_URL" "$(tail -n 1 "$err" 2>/dev/null | sed 's/^curl: //')" ;;
    403) printf 'the S3 server refused the key %s (%s): check BACKUP_S3_ACCESS_KEY/BACKUP_S3_SECRET_KEY and its policy\n' "$BACKUP_S3_ACCESS_KEY" "${why:-403}" ;;
    404) printf 'not found at %s: %s\n' "$BACKUP_S3_URL" "${why:-404 (does the bucket $BACKUP_S3_BUCKET exist? minio-init creates it)}" ;;
    *) printf 'the S3 server answered %s%s\n' "$status" "${why:+ ($why)}" ;;
  esac
}

# s3_list PREFIX OUT-DIR [--modified] — "KEY SIZE" lines of every object under PREFIX
# (all pages); with --modified "KEY SIZE LAST-MODIFIED" (ISO 8601 UTC, sorts as text).
s3_list() {
  local prefix=$1 dir=$2 modified=${3:-} token="" query status page=0
  while :; do
    page=$((page + 1))
    # Parameters sorted by name, values encoded: the canonical form is what curl signs.
    query="${token:+continuation-token=$(uri_encode "$token")&}list-type=2&prefix=$(uri_encode "$prefix")"
    status=$(s3_request GET "" "$query" "" "$dir/list.$page" 2>"$dir/list.err") || status=000
    if [[ "$status" != 200 ]]; then
      s3_explain "$status" "$dir/list.$page" "$dir/list.err" >&2
      return 1
    fi
    # One <Contents> element per object; keys we write are plain, XML-escaping aside.
    # (S3 lists Key, LastModified, ETag, Size in that order.) The answer need not end in a
    # newline, and sed keeps a last line without one: the next page's first object would
    # be glued to it, hence the echo.
    if [[ "$modified" == --modified ]]; then
      { cat "$dir/list.$page" && echo; } | sed 's:<Contents>:\n:g' |
        sed -n 's:.*<Key>\([^<]*\)</Key>.*<LastModified>\([^<]*\)</LastModified>.*<Size>\([0-9]*\)</Size>.*:\1 \3 \2:p'
    else
      { cat "$dir/list.$page" && echo; } | sed 's:<Contents>:\n:g' | sed -n 's:.*<Key>\([^<]*\)</Key>.*<Size>\([0-9]*\)</Size>.*:\1 \2:p'
    fi
    grep -q '<IsTruncated>true</IsTruncated>' "$dir/list.$page" || return 0
    token=$(sed -n 's:.*<NextContinuationToken>\([^<]*\)</NextContinuationToken>.*:\1:p' "$dir/list.$page")
    [[ -n "$token" ]] || return 0
  done
}
