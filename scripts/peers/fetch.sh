#!/usr/bin/env bash
# Downloads (or builds) a real server used as a test peer by the eventer's data sinks, into a
# versioned cache, and prints ONLY its directory on stdout (logs on stderr):
#   scripts/peers/fetch.sh kafka              Apache Kafka (KRaft) jars from Maven Central       -> <dir>/libs/*.jar
#   scripts/peers/fetch.sh elasticsearch 8.15.0   integ-test zip from Maven Central            -> <dir>/bin/elasticsearch
#   scripts/peers/fetch.sh opensearch 2.19.4      integ-test zip from Maven Central            -> <dir>/bin/opensearch
#   scripts/peers/fetch.sh ferretdb           FerretDB built with go from the Go module proxy  -> <dir>/bin/ferretdb
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/ack-npd/<peer>-<version>/, built in a temp dir under
# flock and renamed into place with a .complete stamp last; a warm call is a stat.
set -euo pipefail

KAFKA_VERSION=4.1.1
FERRETDB_VERSION=v1.24.0

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/ack-npd"
peer=${1:-}
version=${2:-}
case "$peer" in
  kafka) version=$KAFKA_VERSION ;;
  ferretdb) version=$FERRETDB_VERSION ;;
  elasticsearch|opensearch) [[ -n $version ]] || { echo "fetch.sh: $peer needs a version" >&2; exit 2; } ;;
  *) echo "usage: fetch.sh kafka|ferretdb|elasticsearch VERSION|opensearch VERSION" >&2; exit 2 ;;
esac
DEST="$CACHE_ROOT/$peer-$version"
if [[ -f $DEST/.complete ]]; then echo "$DEST"; exit 0; fi

exec 3>&1 1>&2
log() { printf '[peer-fetch %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mkdir -p "$CACHE_ROOT"
exec 9>"$DEST.lock"
flock 9
if [[ -f $DEST/.complete ]]; then echo "$DEST" >&3; exit 0; fi
TMP=$(mktemp -d "$DEST.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Resolves one artifact (and, for a jar, its runtime dependencies) with Maven.
maven_pom() {
  cat >"$TMP/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ack-npd.local</groupId><artifactId>peer</artifactId><version>0</version>
  <dependencies>$1</dependencies>
</project>
POM
}

case "$peer" in
  kafka)
    log "resolving org.apache.kafka:kafka_2.13:$version and its runtime dependencies"
    maven_pom "<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
      <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
      <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>2.0.17</version></dependency>"
    mvn -q -B -f "$TMP/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$TMP/libs"
    ;;
  elasticsearch|opensearch)
    group=org.elasticsearch.distribution.integ-test-zip
    [[ $peer == opensearch ]] && group=org.opensearch.distribution.integ-test-zip
    log "downloading $group:$peer:$version:zip"
    maven_pom "<dependency><groupId>$group</groupId><artifactId>$peer</artifactId><version>$version</version><type>zip</type></dependency>"
    mvn -q -B -f "$TMP/pom.xml" dependency:copy-dependencies -DoutputDirectory="$TMP/zip"
    unzip -q "$TMP"/zip/*.zip -d "$TMP/unpacked"
    mv "$TMP"/unpacked/*/* "$TMP/"
    rm -rf "$TMP/zip" "$TMP/unpacked" "$TMP/pom.xml"
    ;;
  ferretdb)
    GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
    log "building github.com/FerretDB/FerretDB/cmd/ferretdb@$version (SQLite backend)"
    GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false" GOBIN="$TMP/bin" \
      "$GO" install -trimpath -ldflags=-s "github.com/FerretDB/FerretDB/cmd/ferretdb@$version"
    ;;
esac
chmod 755 "$TMP"   # mktemp -d is 0700; the ES/OpenSearch user must read it
touch "$TMP/.complete"
rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
log "ready: $DEST"
echo "$DEST" >&3
