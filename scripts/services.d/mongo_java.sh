# The second target: mongo-java-server 1.47 (Maven Central, H2 backend). It stores what FerretDB v1 cannot
# (Decimal128, NaN, nested arrays) but reports MongoDB 4.2, so pymongo 4.11+ refuses it, and it accepts
# validators then ignores them: a second server for the tests, never proof of MongoDB's behaviour.
# A services.d file defines <name>_start, <name>_stop, <name>_status and <name>_uris.
mongo_java_dir="$WORK/mongo-java"
mongo_java_pid() { running_pid "$mongo_java_dir/pid"; }

mongo_java_start() {
  if mongo_java_pid >/dev/null && port_open "$MONGO_JAVA_PORT"; then
    log "mongo-java-server already running on port $MONGO_JAVA_PORT"
    return
  fi
  # A checkout from before the rename ran this server as the service "target".
  stop_pid_file "$WORK/target/pid" "mongo-java-server (its old service name: target)" 10
  port_open "$MONGO_JAVA_PORT" && die "port $MONGO_JAVA_PORT is taken by another program; set S2M_MONGO_JAVA_PORT"
  local classpath_file="$WORK/target-server/classpath.txt"
  [ -s "$classpath_file" ] || die "mongo-java-server is not installed; run scripts/setup first"
  mkdir -p "$mongo_java_dir"
  log "starting mongo-java-server on 127.0.0.1:$MONGO_JAVA_PORT"
  nohup java -Xmx1g -cp "$WORK/target-server/classes:$(cat "$classpath_file")" MongoTarget \
    "$mongo_java_dir/data.mv" "$MONGO_JAVA_PORT" >"$mongo_java_dir/server.log" 2>&1 </dev/null &
  echo $! >"$mongo_java_dir/pid"
  if ! wait_for_port "$MONGO_JAVA_PORT" 60; then
    tail -n 20 "$mongo_java_dir/server.log" >&2
    die "mongo-java-server did not answer on port $MONGO_JAVA_PORT within 60 s (log: $mongo_java_dir/server.log)"
  fi
}

mongo_java_stop() { stop_pid_file "$mongo_java_dir/pid" mongo-java-server 10; }

mongo_java_status() {
  if mongo_java_pid >/dev/null && port_open "$MONGO_JAVA_PORT"; then
    echo "mongo_java: running  $MONGO_JAVA_URI  (pid $(mongo_java_pid), data $mongo_java_dir)"
  else
    echo "mongo_java: stopped"
  fi
}

mongo_java_uris() { echo "S2M_TEST_MONGO_JAVA_URI=$MONGO_JAVA_URI"; }
