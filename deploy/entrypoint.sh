#!/bin/sh
# The container's entrypoint (Dockerfile), and the script the test suite runs against
# SQLite and PostgreSQL (tests/deploy/test_entrypoint.py).
#
#   docker run IMAGE                  -> aka serve: migrates under a lock, then serves
#   docker run IMAGE --workers 4      -> aka serve --workers 4
#   docker run IMAGE migrate|check|backup /var/lib/aka/backup.db|...   -> that aka command
#
# `exec` makes aka the container's main process, so `docker stop`'s SIGTERM reaches the
# server, which finishes the requests in flight and exits.
set -eu

if [ "$#" -eq 0 ]; then
    set -- serve
elif [ "${1#-}" != "$1" ]; then
    set -- serve "$@"
fi
exec aka "$@"
