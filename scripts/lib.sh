# Shared settings for the scripts: one work folder, fixed non-default loopback ports.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(realpath -m "${S2M_WORK:-$ROOT/.work}")"
BUILD_DIR="${S2M_BUILD_DIR:-$ROOT/build}"
MONGO_JAVA_PORT="${S2M_MONGO_JAVA_PORT:-37017}"
MONGO_JAVA_URI="mongodb://127.0.0.1:${MONGO_JAVA_PORT}"
FERRETDB_PORT="${S2M_FERRETDB_PORT:-37018}"
FERRETDB_TLS_PORT="${S2M_FERRETDB_TLS_PORT:-37019}"
FERRETDB_URI="mongodb://127.0.0.1:${FERRETDB_PORT}"
POSTGRES_PORT="${S2M_POSTGRES_PORT:-35432}"
MARIADB_PORT="${S2M_MARIADB_PORT:-33306}"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits up to $2 seconds for port $1 to accept connections.
wait_for_port() {
  local port=$1 seconds=$2 i
  for ((i = 0; i < seconds * 5; i++)); do
    port_open "$port" && return 0
    sleep 0.2
  done
  return 1
}

# Prints the pid in file $1 when that process is running; fails otherwise.
running_pid() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && cat "$1"; }

# Stops the process whose pid file is $1 (SIGTERM, -9 after $3 seconds), naming it $2; removes the file.
stop_pid_file() {
  local pid
  if pid=$(running_pid "$1"); then
    kill "$pid"
    wait_for_exit "$pid" "$3" "$2"
    log "$2 stopped"
  fi
  rm -f "$1"
}

# Waits up to $2 seconds for process $1 to exit, then kills it (-9), naming it ($3) in the log.
wait_for_exit() {
  local pid=$1 seconds=$2 name=$3 i
  for ((i = 0; i < seconds * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name did not stop in $seconds s; killing it"
  kill -9 "$pid" 2>/dev/null || true
}
