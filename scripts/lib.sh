# Shared settings for the scripts: one work folder, fixed non-default loopback ports.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(realpath -m "${S2M_WORK:-$ROOT/.work}")"
BUILD_DIR="${S2M_BUILD_DIR:-$ROOT/build}"
TARGET_PORT="${S2M_TARGET_PORT:-37017}"
TARGET_URI="mongodb://127.0.0.1:${TARGET_PORT}"
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
