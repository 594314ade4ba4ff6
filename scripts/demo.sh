#!/usr/bin/env bash
# The seeds' walkthrough, done with the nsutils tools (run as root):
#   a persistent netns made by unshare-rs, a veth pair into it, traffic
#   across, entering namespaces with nsenter-rs, listing them with lsns-rs,
#   and IPC objects with ipcmk-rs / ipcs-rs / ipcrm-rs.
# Everything it creates is removed on exit, also when a step fails.
set -euo pipefail

bin=$(cd "${1:-target/release}" && pwd)
export PATH="$bin:$PATH"
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }

tag=$(( $$ % 100000 ))
ns=nsutils-demo-$tag
vh=nsdh$tag        # host end of the veth pair
vn=nsdn$tag        # namespace end
net=10.$(( 100 + tag % 100 )).$(( tag % 250 )).0
host_ip=${net%.0}.1
ns_ip=${net%.0}.2
sleeper=
child=

cleanup() {
  # the sleeper's unshare-rs holds SIGTERM back while it waits (as util-linux
  # does), so end the child: unshare-rs then exits the way it did
  [ -n "$child" ] && kill "$child" 2>/dev/null || true
  [ -n "$sleeper" ] && wait "$sleeper" 2>/dev/null || true
  ip link del "$vh" 2>/dev/null || true
  umount "/run/netns/$ns" 2>/dev/null || true
  rm -f "/run/netns/$ns"
}
trap cleanup EXIT

# bold headings on a terminal only: no escape codes in a log or a pipe
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# a word as a shell would need it typed: bare when safe, else in single quotes
quote() {
  case $1 in
    '&' | '>' | '|') printf '%s' "$1" ;; # shell operators, shown as such
    '' | *[!A-Za-z0-9_./=:,+@%-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
    *) printf '%s' "$1" ;;
  esac
}
# echo a command the way it could be typed again, then run it
show() {
  local w line='$'
  for w in "$@"; do line+=" $(quote "$w")"; done
  printf '%s\n' "$line"
}
run() { show "$@"; "$@"; }

step "1. A persistent network namespace, made by unshare-rs (the 'ip netns add' of the seeds)"
mkdir -p /run/netns
run touch "/run/netns/$ns"
run unshare-rs --net="/run/netns/$ns" true
run ip netns list

step "2. A veth pair between the host and the namespace"
run ip link add "$vh" type veth peer name "$vn"
run ip link set "$vn" netns "$ns"
run ip addr add "$host_ip/24" dev "$vh"
run ip link set "$vh" up
run nsenter-rs --net="/run/netns/$ns" ip addr add "$ns_ip/24" dev "$vn"
run nsenter-rs --net="/run/netns/$ns" ip link set "$vn" up
run nsenter-rs --net="/run/netns/$ns" ip link set lo up
run nsenter-rs --net="/run/netns/$ns" ip -br addr

step "3. Traffic crosses: a TCP server inside the namespace, a client on the host"
port=$(( 20000 + tag % 20000 ))
server_py='import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(10)
c, a = s.accept(); print("server in netns got:", c.recv(100).decode().strip(), "from", a[0])'
show nsenter-rs --net="/run/netns/$ns" python3 -c "$server_py" "$ns_ip" "$port" '&'
nsenter-rs --net="/run/netns/$ns" python3 -c "$server_py" "$ns_ip" "$port" &
server=$!
show echo "hello from the host" '>' "/dev/tcp/$ns_ip/$port"
# the server may take a moment to listen: retry quietly
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/$ns_ip/$port" && echo "hello from the host" >&3) 2>/dev/null; then break; fi; sleep 0.1
done 2>/dev/null || true
wait "$server" || true

step "4. unshare-rs -fn sleep 360 &, then nsenter-rs -t PID -n ip a"
show unshare-rs -fn sleep 360 '&'
unshare-rs -fn sleep 360 &
sleeper=$!
for _ in $(seq 100); do
  child=$(cat /proc/$sleeper/task/$sleeper/children 2>/dev/null | awk '{print $1}')
  [ -n "$child" ] && [ "$(readlink /proc/$child/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
  sleep 0.05
done
run nsenter-rs -t "$child" -n ip a

step "5. lsns-rs -t net: the host's, the persistent one (with its NSFS path) and the sleeper's"
run lsns-rs -t net

step "6. A PID namespace with its own /proc: unshare-rs -fp --mount-proc"
run unshare-rs -fp --mount-proc ps -o pid,comm

step "7. A UTS namespace: the hostname changes inside only"
run unshare-rs -u sh -c 'hostname nsutils-demo; hostname'
run hostname

step "8. IPC objects, in a private IPC namespace: ipcmk-rs -Q, ipcs-rs -q, ipcrm-rs"
run unshare-rs -i sh -c '
  id=$(ipcmk-rs -Q | awk "{print \$NF}"); echo "created queue $id"
  ipcs-rs -q
  ipcrm-rs -q "$id" && echo "removed queue $id"
  ipcs-rs -q'

step "done; removing the namespace and the veth pair"
