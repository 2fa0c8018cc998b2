# PostgreSQL 15 (Debian's binaries) as a source database, loaded with the Chinook sample.
# A services.d file defines <name>_start, <name>_stop, <name>_status and <name>_uris.
#
# initdb and postgres refuse to run as root, so both run as the `postgres` OS user; the data folder is
# $WORK/postgres/data, owned by postgres (its parents need o+x; otherwise /tmp, see below). The
# server listens on 127.0.0.1:$POSTGRES_PORT only; its unix socket sits in $WORK/postgres/run, where
# the superuser (peer auth) loads the sample. TCP logins need a password (scram-sha-256): the role
# `sql2mongo` / `sql2mongo-test` is a test-only credential, and owns the database `chinook`.
# TLS is on (postgres_tls): the server presents $WORK/tls/server.pem (scripts/tls-certs) to clients that
# ask for it, and plain TCP keeps working for those that do not.
postgres_bin=/usr/lib/postgresql/15/bin
postgres_dir="$WORK/postgres"
# The postgres user must reach its data folder. When the work folder sits under a directory it cannot
# enter (a clone under /root, mode 700), the cluster lives in /tmp instead, named after the work folder.
if ! runuser -u postgres -- test -x "$WORK" 2>/dev/null && ! { mkdir -p "$WORK" && runuser -u postgres -- test -x "$WORK"; } 2>/dev/null; then
  postgres_dir="/tmp/sql2mongo-postgres-$(printf '%s' "$WORK" | md5sum | cut -c1-12)"
fi
postgres_data="$postgres_dir/data"
postgres_socket_dir="$postgres_dir/run"
postgres_role=sql2mongo
postgres_password=sql2mongo-test  # test fixture only; never a real secret

# From / : the caller's working folder may be one the postgres user cannot enter.
postgres_as_owner() { (cd / && runuser -u postgres -- "$@"); }
# psql as the superuser over the unix socket (no password: peer authentication).
postgres_psql() {
  postgres_as_owner "$postgres_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$postgres_socket_dir" -p "$POSTGRES_PORT" \
    -U postgres "$@"
}
postgres_running() {
  [ -f "$postgres_data/PG_VERSION" ] && postgres_as_owner "$postgres_bin/pg_ctl" status -D "$postgres_data" >/dev/null 2>&1
}

postgres_init() {
  [ -f "$postgres_data/PG_VERSION" ] && return
  log "creating a PostgreSQL cluster in $postgres_data"
  mkdir -p "$postgres_data" "$postgres_socket_dir"
  chown postgres:postgres "$postgres_dir" "$postgres_data" "$postgres_socket_dir"
  chmod 700 "$postgres_data"
  postgres_as_owner "$postgres_bin/initdb" -D "$postgres_data" --username=postgres --encoding=UTF8 \
    --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >"$postgres_dir/initdb.log" 2>&1 ||
    { tail -n 20 "$postgres_dir/initdb.log" >&2; die "initdb failed (log: $postgres_dir/initdb.log)"; }
  cat >>"$postgres_data/postgresql.conf" <<EOF

# sql2mongo test server: loopback only, socket inside the work folder.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$postgres_socket_dir'
password_encryption = 'scram-sha-256'
fsync = off
EOF
  # Only loopback TCP with a password, and the local socket for the OS user postgres.
  cat >"$postgres_data/pg_hba.conf" <<EOF
local all postgres peer
host  all all 127.0.0.1/32 scram-sha-256
EOF
}

# Makes the test certificates (scripts/tls-certs) and points the cluster at them; idempotent, so a
# cluster made before TLS existed gets it too. Sets postgres_tls_changed=1 when a file had to be written
# (a running server must reload).
# - The key is copied into the data folder, owned by postgres with mode 600: the server refuses a key
#   file others may read, and $WORK/tls keeps its files world-readable for the other servers.
# - The settings live in their own file, included from postgresql.conf by one line added once.
# - pg_hba.conf needs no change: a `host` line matches TCP connections with and without TLS alike
#   (`hostssl` would match only TLS ones), so the existing line serves both.
postgres_tls() {
  local tls_dir="$WORK/tls" pair source target
  postgres_tls_changed=""
  "$ROOT/scripts/tls-certs" "$tls_dir" || die "cannot make the test TLS certificates in $tls_dir"
  for pair in "server.pem:server.crt" "server.key:server.key"; do
    source="$tls_dir/${pair%%:*}" target="$postgres_data/${pair##*:}"
    if ! cmp -s "$source" "$target"; then
      install -o postgres -g postgres -m 600 "$source" "$target"
      postgres_tls_changed=1
    fi
  done
  local conf="$postgres_data/sql2mongo-tls.conf"
  local wanted="# Written by scripts/services.d/postgres.sh: TLS with the test certificates (scripts/tls-certs).
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'"
  if [ "$(cat "$conf" 2>/dev/null)" != "$wanted" ]; then
    printf '%s\n' "$wanted" >"$conf"
    chown postgres:postgres "$conf"
    postgres_tls_changed=1
  fi
  if ! grep -q "^include_if_exists = 'sql2mongo-tls.conf'" "$postgres_data/postgresql.conf"; then
    printf "\ninclude_if_exists = 'sql2mongo-tls.conf'\n" >>"$postgres_data/postgresql.conf"
    postgres_tls_changed=1
  fi
}

postgres_load_chinook() {
  local loaded
  # Customer 54 lives in 'Edinburgh ' (with a blank): a copy without it was loaded from N'...' literals.
  loaded=$(postgres_psql -d chinook -tAc "SELECT count(*) FROM track WHERE EXISTS (SELECT 1 FROM customer WHERE city = 'Edinburgh ')" 2>/dev/null || true)
  if [ "$loaded" = 3503 ]; then
    return
  fi
  log "loading the Chinook sample into PostgreSQL database chinook"
  # The script drops and creates database chinook and connects to it itself (\c chinook). Its N'...'
  # literals are rewritten first: see scripts/chinook_pg_literals.py.
  /usr/bin/python3 "$ROOT/scripts/chinook_pg_literals.py" "$ROOT/samples/chinook/Chinook_PostgreSql.sql" >"$postgres_dir/chinook.sql" ||
    die "cannot prepare the Chinook script for PostgreSQL"
  postgres_psql -d postgres -f "$postgres_dir/chinook.sql" >"$postgres_dir/chinook-load.log" 2>&1 ||
    { tail -n 20 "$postgres_dir/chinook-load.log" >&2; die "loading Chinook failed (log: $postgres_dir/chinook-load.log)"; }
  postgres_psql -d chinook <<EOF
ALTER DATABASE chinook OWNER TO $postgres_role;
DO \$\$
DECLARE t record;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO $postgres_role', t.tablename);
  END LOOP;
END \$\$;
EOF
}

postgres_start() {
  if postgres_running && port_open "$POSTGRES_PORT"; then
    log "postgres already running on port $POSTGRES_PORT"
    # A server started before TLS was set up (or with other certificates) reloads: the ssl settings
    # take effect on SIGHUP, no restart needed (PostgreSQL >= 10).
    postgres_tls
    if [ -n "$postgres_tls_changed" ] || [ "$(postgres_psql -d postgres -tAc 'SHOW ssl')" != on ]; then
      log "reloading PostgreSQL to switch TLS on"
      postgres_psql -d postgres -tAc 'SELECT pg_reload_conf()' >/dev/null
      # The postmaster rereads its files on the signal, a moment after pg_reload_conf() returns.
      sleep 0.3
      local i
      for ((i = 0; i < 50; i++)); do
        [ "$(postgres_psql -d postgres -tAc 'SHOW ssl')" = on ] && break
        sleep 0.1
      done
      [ "$(postgres_psql -d postgres -tAc 'SHOW ssl')" = on ] ||
        { tail -n 20 "$postgres_dir/server.log" >&2; die "PostgreSQL did not switch TLS on (log: $postgres_dir/server.log)"; }
    fi
  else
    port_open "$POSTGRES_PORT" && die "port $POSTGRES_PORT is taken by another program; set S2M_POSTGRES_PORT"
    [ -x "$postgres_bin/initdb" ] || die "PostgreSQL 15 is not installed ($postgres_bin); run scripts/setup first"
    postgres_init
    postgres_tls
    mkdir -p "$postgres_socket_dir" && chown postgres:postgres "$postgres_socket_dir"
    log "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
    postgres_as_owner "$postgres_bin/pg_ctl" start -D "$postgres_data" -w -t 60 -l "$postgres_dir/server.log" \
      -o "-p $POSTGRES_PORT" >/dev/null ||
      { tail -n 20 "$postgres_dir/server.log" >&2; die "PostgreSQL did not start (log: $postgres_dir/server.log)"; }
  fi
  # Idempotent: the role gets its (test-only) password again, CREATEDB lets tests make scratch databases.
  postgres_psql -d postgres <<EOF
SELECT 'CREATE ROLE $postgres_role LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$postgres_role')
\gexec
ALTER ROLE $postgres_role LOGIN CREATEDB PASSWORD '$postgres_password';
EOF
  postgres_load_chinook
}

postgres_stop() {
  if postgres_running; then
    postgres_as_owner "$postgres_bin/pg_ctl" stop -D "$postgres_data" -m fast -w >/dev/null
    log "postgres stopped"
  fi
}

postgres_status() {
  if postgres_running && port_open "$POSTGRES_PORT"; then
    echo "postgres: running  postgresql://$postgres_role@127.0.0.1:$POSTGRES_PORT/chinook  (data $postgres_data)"
  else
    echo "postgres: stopped"
  fi
}

postgres_uris() {
  echo "S2M_TEST_POSTGRES_URI=postgresql://$postgres_role@127.0.0.1:$POSTGRES_PORT/chinook"
  echo "S2M_TEST_POSTGRES_PASSWORD=$postgres_password"
}
