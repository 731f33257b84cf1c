#!/usr/bin/env bats
# shellcheck disable=SC2016 # stub bodies are single-quoted
# scripts/docker/cds-archive: the class data sharing archive's training run and the check
# that fails the image build when a start would not use the archive (java is a stub here;
# the image build runs the real one).

load test_helper

CDS_ARCHIVE="$PROTOSTAR_REPO/scripts/docker/cds-archive"

# A JVM whose training run writes the archive and whose checked start logs SHARED of TOTAL
# classes from it (the rest defined at run time, as lambdas and proxies are).
stub_java() {
  local shared=$1 total=$2
  stub java '*-XX:ArchiveClassesAtExit=*' 'for a; do [[ "$a" != -XX:ArchiveClassesAtExit=* ]] || echo jsa >"${a#*=}"; done'
  stub java '*-Xshare:on*' "for a; do [[ \"\$a\" != -Xlog:class+load=info:file=* ]] || {
      for ((i = 0; i < $total; i++)); do
        if ((i < $shared)); then echo \"[info][class,load] C\$i source: shared objects file (top)\"
        else echo \"[info][class,load] L\$i source: __JVM_LookupDefineClass__\"; fi
      done >\"\${a#*:file=}\"; }; done"
}

setup() {
  protostar_setup
  cd "$TEST_ROOT" && touch app.jar
}

@test "the training run stops at refresh and the check starts with the archive required" {
  stub_java 94 100
  run "$CDS_ARCHIVE" app.jar application.jsa --spring.main.banner-mode=off
  [ "$status" -eq 0 ]
  [ -s application.jsa ]
  [[ "$output" == *"94 of 100 classes (94 %) came from the archives"* ]]
  grep -qx "java -XX:ArchiveClassesAtExit=application.jsa -Dspring.context.exit=onRefresh -Xlog:cds=error -jar app.jar --spring.main.banner-mode=off" "$STUB_LOG"
  grep -q "^java -Xshare:on -XX:SharedArchiveFile=application.jsa -Xlog:class+load=info:file=.* -Dspring.context.exit=onRefresh -jar app.jar --spring.main.banner-mode=off$" "$STUB_LOG"
}

@test "an archive a start loads few classes from fails the build" {
  stub_java 10 100
  run "$CDS_ARCHIVE" app.jar application.jsa
  [ "$status" -eq 1 ]
  [[ "$output" == *"only 10 % of the classes came from the archives (at least 80 % expected)"* ]]
}

@test "an archive the JVM cannot map fails the build" {
  stub_java 94 100
  stub java '*-Xshare:on*' 'exit 1'
  run "$CDS_ARCHIVE" app.jar application.jsa
  [ "$status" -eq 1 ]
  [[ "$output" == *"a start with -Xshare:on -XX:SharedArchiveFile=application.jsa failed"* ]]
}

@test "a training run that fails or writes nothing fails the build" {
  stub java '*-XX:ArchiveClassesAtExit=*' 'exit 3'
  run "$CDS_ARCHIVE" app.jar application.jsa
  [ "$status" -eq 1 ]
  [[ "$output" == *"the training run failed"* ]]
  stub java '*-XX:ArchiveClassesAtExit=*' 'exit 0'
  run "$CDS_ARCHIVE" app.jar application.jsa
  [ "$status" -eq 1 ]
  [[ "$output" == *"the training run wrote no application.jsa"* ]]
}

@test "--check only checks; the threshold can be set" {
  stub_java 85 100
  echo jsa >application.jsa
  CDS_MIN_SHARED_PERCENT=90 run "$CDS_ARCHIVE" --check app.jar application.jsa
  [ "$status" -eq 1 ]
  [[ "$output" == *"only 85 %"* ]]
  [[ $(grep -c ArchiveClassesAtExit "$STUB_LOG") == 0 ]]
  run "$CDS_ARCHIVE" --check app.jar application.jsa
  [ "$status" -eq 0 ]
}

@test "usage: --help, missing arguments, no jar" {
  run "$CDS_ARCHIVE" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: cds-archive [--check] JAR ARCHIVE [ARGS...]"* ]]
  run "$CDS_ARCHIVE" app.jar
  [ "$status" -eq 1 ]
  [[ "$output" == *"usage: cds-archive"* ]]
  run "$CDS_ARCHIVE" other.jar application.jsa
  [ "$status" -eq 1 ]
  [[ "$output" == *"no other.jar here"* ]]
  [ ! -s "$STUB_LOG" ]
}
