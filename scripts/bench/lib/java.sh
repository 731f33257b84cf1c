# shellcheck shell=bash
# Running a benchmark's Java main from the ai-worker's test classes against containers
# the benchmark starts itself. Sourced after scripts/lib/common.sh; PROTOSTAR_ROOT set.
#
#   bench_image PROPERTY POM        an image named by a pom property; aborts when missing
#   bench_build WORK                test classes + classpath (WORK/classpath); sets BENCH_JAVA
#   bench_free_port                 a free 127.0.0.1 port
#   bench_postgres NAME WORK        PostgreSQL+pgvector as container NAME on a free port
#                                   (shm 1g as in production: parallel index builds), ready; sets BENCH_PG_PORT, BENCH_JDBC_URL (user
#                                   protostar, password bench). Extra "-c" settings from
#                                   BENCH_POSTGRES_SETTINGS (an array), if set.
#   bench_java WORK CLASS ARGS...   runs CLASS; its stderr goes to WORK/java.log and is
#                                   shown on failure

# bench_image PROPERTY POM — the image a pom property names; aborts when it is not built.
bench_image() {
  local image
  image=$(sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$2" | head -n 1)
  [[ -n "$image" ]] || abort "no <$1> in $2"
  docker image inspect "$image" >/dev/null 2>&1 || abort "$image is missing: scripts/protostar images build --offline"
  printf '%s\n' "$image"
}

bench_build() {
  local work=$1
  (cd "$PROTOSTAR_ROOT" && quietly "$work/build.log" ./mvnw -B -q -pl ai-worker -am test-compile \
    dependency:build-classpath -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=test)
  BENCH_JAVA="$(cd "$PROTOSTAR_ROOT" && MVNW_PRINT_JAVA_HOME=1 ./mvnw)/bin/java"
}

bench_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

bench_postgres() {
  local name=$1 work=$2 image settings=()
  image=$(bench_image protostar.test.postgres-image "$PROTOSTAR_ROOT/pom.xml")
  local setting
  for setting in ${BENCH_POSTGRES_SETTINGS[@]+"${BENCH_POSTGRES_SETTINGS[@]}"}; do settings+=(-c "$setting"); done
  BENCH_PG_PORT=$(bench_free_port)
  docker run -d --rm --name "$name" --shm-size 1g -p "127.0.0.1:$BENCH_PG_PORT:5432" -e POSTGRES_DB=protostar \
    -e POSTGRES_USER=protostar -e POSTGRES_PASSWORD=bench "$image" postgres "${settings[@]}" >"$work/postgres.id"
  local _
  for _ in $(seq 150); do
    # The entrypoint runs a temporary server (socket only) for initdb: wait for TCP.
    if docker exec -e PGPASSWORD=bench "$name" psql -h 127.0.0.1 -U protostar -d protostar -tAc 'SELECT 1' 2>/dev/null | grep -q 1; then
      # shellcheck disable=SC2034 # for the benchmark that sourced this file
      BENCH_JDBC_URL="jdbc:postgresql://127.0.0.1:$BENCH_PG_PORT/protostar"
      return 0
    fi
    sleep 0.2
  done
  docker logs "$name" 2>&1 | tail -n 20 >&2
  abort "PostgreSQL ($image) did not become ready"
}

bench_java() {
  local work=$1 class=$2
  shift 2
  local classes="$PROTOSTAR_ROOT/ai-worker/target/test-classes:$PROTOSTAR_ROOT/ai-worker/target/classes"
  # Without a configuration Logback logs everything at DEBUG, which would be measured too.
  printf '%s\n' '<configuration><appender name="err" class="ch.qos.logback.core.ConsoleAppender">' \
    '<target>System.err</target><encoder><pattern>%d %level %logger - %msg%n</pattern></encoder></appender>' \
    '<root level="WARN"><appender-ref ref="err"/></root></configuration>' >"$work/logback.xml"
  "$BENCH_JAVA" -Dlogback.configurationFile="$work/logback.xml" \
    -cp "$classes:$(<"$work/classpath")" "$class" "$@" 2>"$work/java.log" ||
    { grep -m 5 -E "Exception|Caused by" "$work/java.log" >&2; tail -n 30 "$work/java.log" >&2; abort "the benchmark failed"; }
}
