#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL 15 for the tests, on 127.0.0.1 only.
#   postgres.sh start DIR PORT   — initialise DIR (fresh) and start; database and role "esafe"
#   postgres.sh stop DIR PORT
# Durability is off for the tests' speed; ESAFE_PG_FSYNC=on keeps it, for benchmarks that
# compare PostgreSQL with SQLite (which syncs every commit).
set -euo pipefail
action=$1 dir=$2 port=$3
bin=/usr/lib/postgresql/15/bin
[[ -x $bin/postgres ]] || { echo "PostgreSQL 15 is not installed (apt-get install postgresql-15)"; exit 1; }

# PostgreSQL refuses to run as root; as root, run it as the postgres account.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u postgres --); fi

case $action in
  start)
    if [[ -f $dir/data/postmaster.pid ]]; then "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U esafe --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${ESAFE_PG_FSYNC:-off} -c max_connections=200" start
    "${as_owner[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U esafe esafe
    echo "PostgreSQL ready on 127.0.0.1:$port"
    ;;
  stop)
    if [[ -f $dir/data/postmaster.pid ]]; then "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop; fi
    ;;
  *) echo "usage: $0 start|stop DIR PORT"; exit 2 ;;
esac
