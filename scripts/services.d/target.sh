# The MongoDB-compatible target: mongo-java-server (see scripts/setup for why not FerretDB).
# A services.d file defines <name>_start, <name>_stop, <name>_status and <name>_uris.
target_dir="$WORK/target"
target_pid() { [ -f "$target_dir/pid" ] && kill -0 "$(cat "$target_dir/pid")" 2>/dev/null && cat "$target_dir/pid"; }

target_start() {
  if target_pid >/dev/null && port_open "$TARGET_PORT"; then
    log "target already running on port $TARGET_PORT"
    return
  fi
  port_open "$TARGET_PORT" && die "port $TARGET_PORT is taken by another program; set S2M_TARGET_PORT"
  local classpath_file="$WORK/target-server/classpath.txt"
  [ -s "$classpath_file" ] || die "the target server is not installed; run scripts/setup first"
  mkdir -p "$target_dir"
  log "starting the target (mongo-java-server) on 127.0.0.1:$TARGET_PORT"
  nohup java -Xmx1g -cp "$WORK/target-server/classes:$(cat "$classpath_file")" MongoTarget \
    "$target_dir/data.mv" "$TARGET_PORT" >"$target_dir/server.log" 2>&1 </dev/null &
  echo $! >"$target_dir/pid"
  if ! wait_for_port "$TARGET_PORT" 60; then
    tail -n 20 "$target_dir/server.log" >&2
    die "the target did not answer on port $TARGET_PORT within 60 s (log: $target_dir/server.log)"
  fi
}

target_stop() {
  local pid
  if pid=$(target_pid); then
    kill "$pid"
    wait_for_exit "$pid" 10 target
    log "target stopped"
  fi
  rm -f "$target_dir/pid"
}

target_status() {
  if target_pid >/dev/null && port_open "$TARGET_PORT"; then
    echo "target: running  $TARGET_URI  (pid $(target_pid), data $target_dir)"
  else
    echo "target: stopped"
  fi
}

target_uris() { echo "S2M_TEST_MONGO_URI=$TARGET_URI"; }
