# The main target: FerretDB v1 (Apache-2.0, SQLite backend), built by scripts/build-ferretdb. It reports
# MongoDB 7.0 (wire version 21), so current clients (pymongo 4, mongosh) open it. Two listeners on
# loopback: plain on $FERRETDB_PORT, and TLS on $FERRETDB_TLS_PORT with the test certificates of
# scripts/tls-certs; it requires a client certificate signed by the test CA (client.pem).
# Its known limits (tried 2026-12-01): it closes the connection on Decimal128 and NaN, refuses nested
# arrays, keys with '.' or a leading '$', validators, TTL and partial indexes, and renameCollection with
# dropTarget. sql2mongo's target check knows them (src/sink/mongo/target_identity.cc).
# A services.d file defines <name>_start, <name>_stop, <name>_status and <name>_uris.
ferretdb_dir="$WORK/ferretdb"
ferretdb_binary="$ferretdb_dir/ferretdb-${S2M_FERRETDB_VERSION:-v1.24.1}"
ferretdb_pid() { running_pid "$ferretdb_dir/pid"; }
# Why FerretDB cannot run here, or nothing when it can.
ferretdb_unavailable() {
  if [ -s "$ferretdb_dir/unavailable.txt" ]; then cat "$ferretdb_dir/unavailable.txt"
  elif [ ! -x "$ferretdb_binary" ]; then echo "FerretDB is not built; run scripts/setup"
  fi
}

ferretdb_start() {
  if ferretdb_pid >/dev/null && port_open "$FERRETDB_PORT"; then
    log "ferretdb already running on port $FERRETDB_PORT"
    return
  fi
  local why
  why=$(ferretdb_unavailable)
  if [ -n "$why" ]; then
    log "WARNING: FerretDB is not started: $why"
    return
  fi
  port_open "$FERRETDB_PORT" && die "port $FERRETDB_PORT is taken by another program; set S2M_FERRETDB_PORT"
  "$ROOT/scripts/tls-certs"
  mkdir -p "$ferretdb_dir/data" "$ferretdb_dir/state"
  log "starting FerretDB on 127.0.0.1:$FERRETDB_PORT (TLS on $FERRETDB_TLS_PORT)"
  # --state-dir: without it FerretDB writes state.json into its working folder.
  nohup "$ferretdb_binary" --handler=sqlite --sqlite-url="file:$ferretdb_dir/data/" \
    --state-dir="$ferretdb_dir/state" --listen-addr="127.0.0.1:$FERRETDB_PORT" \
    --listen-tls="127.0.0.1:$FERRETDB_TLS_PORT" --listen-tls-cert-file="$WORK/tls/server.pem" \
    --listen-tls-key-file="$WORK/tls/server.key" --listen-tls-ca-file="$WORK/tls/ca.pem" \
    --telemetry=disable --debug-addr=- --log-level=warn \
    >"$ferretdb_dir/server.log" 2>&1 </dev/null &
  echo $! >"$ferretdb_dir/pid"
  if ! wait_for_port "$FERRETDB_PORT" 30; then
    tail -n 20 "$ferretdb_dir/server.log" >&2
    die "FerretDB did not answer on port $FERRETDB_PORT within 30 s (log: $ferretdb_dir/server.log)"
  fi
  wait_for_port "$FERRETDB_TLS_PORT" 10 || die "FerretDB's TLS listener did not open port $FERRETDB_TLS_PORT"
}

ferretdb_stop() { stop_pid_file "$ferretdb_dir/pid" ferretdb 10; }

ferretdb_status() {
  if ferretdb_pid >/dev/null && port_open "$FERRETDB_PORT"; then
    echo "ferretdb: running  $FERRETDB_URI  (pid $(ferretdb_pid), data $ferretdb_dir/data)"
  else
    echo "ferretdb: stopped $(ferretdb_unavailable)"
  fi
}

ferretdb_uris() {
  local why
  why=$(ferretdb_unavailable)
  if [ -n "$why" ]; then
    # The tests report every FerretDB case as skipped with this reason.
    echo "S2M_TEST_FERRETDB_UNAVAILABLE=$why"
  else
    echo "S2M_TEST_FERRETDB_URI=$FERRETDB_URI"
    echo "S2M_TEST_FERRETDB_TLS_URI=mongodb://localhost:$FERRETDB_TLS_PORT"
  fi
}
