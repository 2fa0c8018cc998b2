# The MariaDB source server (Debian mariadb-server 10.11) for the MySQL connector's tests and the demo:
# a plain mariadbd process on 127.0.0.1:$MARIADB_PORT with its data under $WORK/mariadb, real password
# authentication, and the Chinook sample loaded once. TLS is on with the test certificates of
# scripts/tls-certs ($WORK/tls); plain TCP keeps working for clients that do not ask for TLS.
# A services.d file defines <name>_start, <name>_stop, <name>_status and <name>_uris.
mariadb_dir="$WORK/mariadb"
mariadb_socket="$mariadb_dir/mysqld.sock"
# Test-only credentials: the account can read and write Chinook and the scratch databases the live tests
# create (s2m_test_*), nothing else. RELOAD lets the connector share one snapshot between connections
# with FLUSH TABLES WITH READ LOCK (see connectors/mysql/mysql_source.cc).
mariadb_user="sql2mongo"
mariadb_password="sql2mongo-test"
# The same password, and also the client certificate of scripts/tls-certs (REQUIRE SUBJECT ... AND
# ISSUER ...): the TLS tests log in with it to show that ssl-cert / ssl-key reach the server.
mariadb_x509_user="sql2mongo_x509"

mariadb_pid() {
  [ -f "$mariadb_dir/mariadbd.pid" ] && kill -0 "$(cat "$mariadb_dir/mariadbd.pid")" 2>/dev/null &&
    cat "$mariadb_dir/mariadbd.pid"
}

# Runs the mariadb client as the server's root account over the socket (unix_socket-free: root has a
# password-less "normal" account created by mariadb-install-db that only the socket reaches).
mariadb_root() { mariadb --no-defaults --socket="$mariadb_socket" --user=root "$@"; }

# The certificates the server presents: made (idempotently) by scripts/tls-certs, read by mariadbd as
# root, so they are used where they lie.
mariadb_tls_dir="$WORK/tls"

# True when the running server uses the test certificates. A server started before TLS was set up
# (have_ssl DISABLED) or with other files restarts: ssl_cert and friends are read only at startup here
# (FLUSH SSL reloads the files but cannot switch TLS on).
mariadb_tls_current() {
  [ "$(mariadb_root -N -e "SELECT CONCAT_WS('|', @@have_ssl, @@ssl_cert, @@ssl_key, @@ssl_ca)" 2>/dev/null)" = \
    "YES|$mariadb_tls_dir/server.pem|$mariadb_tls_dir/server.key|$mariadb_tls_dir/ca.pem" ]
}

mariadb_start() {
  "$ROOT/scripts/tls-certs" "$mariadb_tls_dir" || die "cannot make the test TLS certificates in $mariadb_tls_dir"
  if mariadb_pid >/dev/null && port_open "$MARIADB_PORT" && ! mariadb_tls_current; then
    log "restarting mariadb to switch TLS on"
    mariadb_stop
  fi
  if mariadb_pid >/dev/null && port_open "$MARIADB_PORT"; then
    log "mariadb already running on port $MARIADB_PORT"
  else
    port_open "$MARIADB_PORT" && die "port $MARIADB_PORT is taken by another program; set S2M_MARIADB_PORT"
    command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || die "mariadb-server is not installed; run scripts/setup"
    mkdir -p "$mariadb_dir"
    if [ ! -d "$mariadb_dir/data/mysql" ]; then
      log "initializing a MariaDB data directory in $mariadb_dir/data"
      mariadb-install-db --no-defaults --user=root --datadir="$mariadb_dir/data" \
        --auth-root-authentication-method=normal --skip-test-db >"$mariadb_dir/install.log" 2>&1 ||
        { tail -n 20 "$mariadb_dir/install.log" >&2; die "mariadb-install-db failed (log: $mariadb_dir/install.log)"; }
    fi
    log "starting mariadb on 127.0.0.1:$MARIADB_PORT"
    nohup /usr/sbin/mariadbd --no-defaults --user=root --datadir="$mariadb_dir/data" \
      --socket="$mariadb_socket" --port="$MARIADB_PORT" --bind-address=127.0.0.1 \
      --pid-file="$mariadb_dir/mariadbd.pid" --log-error="$mariadb_dir/error.log" \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --innodb-buffer-pool-size=256M --max-allowed-packet=64M \
      --ssl-cert="$mariadb_tls_dir/server.pem" --ssl-key="$mariadb_tls_dir/server.key" \
      --ssl-ca="$mariadb_tls_dir/ca.pem" \
      >"$mariadb_dir/server.log" 2>&1 </dev/null &
    local i
    for ((i = 0; i < 300; i++)); do
      mariadb-admin --no-defaults --socket="$mariadb_socket" --user=root ping >/dev/null 2>&1 && break
      sleep 0.2
    done
    if ! mariadb-admin --no-defaults --socket="$mariadb_socket" --user=root ping >/dev/null 2>&1; then
      tail -n 20 "$mariadb_dir/error.log" >&2
      die "mariadb did not answer within 60 s (log: $mariadb_dir/error.log)"
    fi
    mariadb_tls_current ||
      { tail -n 20 "$mariadb_dir/error.log" >&2; die "mariadb started without TLS (log: $mariadb_dir/error.log)"; }
  fi
  mariadb_root <<SQL || die "cannot create the test account in mariadb"
CREATE USER IF NOT EXISTS '$mariadb_user'@'127.0.0.1' IDENTIFIED BY '$mariadb_password';
CREATE USER IF NOT EXISTS '$mariadb_user'@'localhost' IDENTIFIED BY '$mariadb_password';
GRANT ALL ON \`Chinook\`.* TO '$mariadb_user'@'127.0.0.1', '$mariadb_user'@'localhost';
GRANT ALL ON \`s2m\\_test\\_%\`.* TO '$mariadb_user'@'127.0.0.1', '$mariadb_user'@'localhost';
GRANT RELOAD ON *.* TO '$mariadb_user'@'127.0.0.1', '$mariadb_user'@'localhost';
CREATE USER IF NOT EXISTS '$mariadb_x509_user'@'127.0.0.1', '$mariadb_x509_user'@'localhost';
ALTER USER '$mariadb_x509_user'@'127.0.0.1', '$mariadb_x509_user'@'localhost' IDENTIFIED BY '$mariadb_password'
  REQUIRE SUBJECT '/CN=sql2mongo-test' AND ISSUER '/CN=sql2mongo test CA';
GRANT SELECT ON \`Chinook\`.* TO '$mariadb_x509_user'@'127.0.0.1', '$mariadb_x509_user'@'localhost';
GRANT RELOAD ON *.* TO '$mariadb_x509_user'@'127.0.0.1', '$mariadb_x509_user'@'localhost';
SQL
  local tracks
  tracks=$(mariadb_root -N -e "SELECT COUNT(*) FROM Chinook.Track WHERE INSTR(Name, CHAR(92)) > 0" 2>/dev/null || echo 0)
  # 4 track names hold a backslash ("Cavalleria Rusticana \ Act \ ..."): a copy without them was
  # loaded with backslash escapes on, and is loaded again.
  if [ "$tracks" != "4" ]; then
    log "loading the Chinook sample into mariadb"
    # The script doubles quotes and never escapes with a backslash, so a backslash in it is data
    # (as in the SQLite copy): NO_BACKSLASH_ESCAPES keeps it.
    { echo "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');"
      cat "$ROOT/samples/chinook/Chinook_MySql.sql"; } | mariadb_root --default-character-set=utf8mb4 ||
      die "loading samples/chinook/Chinook_MySql.sql into mariadb failed"
  fi
}

mariadb_stop() {
  local pid
  if pid=$(mariadb_pid); then
    mariadb-admin --no-defaults --socket="$mariadb_socket" --user=root shutdown >/dev/null 2>&1 || kill "$pid"
    wait_for_exit "$pid" 30 mariadb
    log "mariadb stopped"
  fi
  rm -f "$mariadb_dir/mariadbd.pid"
}

mariadb_status() {
  if mariadb_pid >/dev/null && port_open "$MARIADB_PORT"; then
    echo "mariadb: running  mysql://$mariadb_user@127.0.0.1:$MARIADB_PORT/Chinook  (pid $(mariadb_pid), data $mariadb_dir/data)"
  else
    echo "mariadb: stopped"
  fi
}

mariadb_uris() {
  echo "S2M_TEST_MYSQL_URI=mysql://$mariadb_user@127.0.0.1:$MARIADB_PORT/Chinook"
  echo "S2M_TEST_MYSQL_PASSWORD=$mariadb_password"
}
