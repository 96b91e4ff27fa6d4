#!/bin/sh
# Entrypoint of every Haven service image: wait for RabbitMQ, migrate the service's database, run the service.
#
#   service-entrypoint.sh [<service>] [extra 'nameko run' arguments]
#
# The service is HAVEN_SERVICE (set by deploy/Dockerfile from its SERVICE build argument), else the first argument.
# Reads AMQP_URI and <SERVICE>_DATABASE_URL (see services/<service>/config.yml), HAVEN_BROKER_TIMEOUT (seconds,
# default 60) and HAVEN_APP_DIR (where services/ was copied, default /app).
set -eu

service="${HAVEN_SERVICE:-}"
if [ -z "$service" ]; then
    service="${1:?usage: service-entrypoint.sh <service> [nameko run arguments], or set HAVEN_SERVICE}"
    shift
fi
app="${HAVEN_APP_DIR:-/app}"

echo "haven: waiting for RabbitMQ (up to ${HAVEN_BROKER_TIMEOUT:-60}s)" >&2
haven wait-broker --timeout "${HAVEN_BROKER_TIMEOUT:-60}"

echo "haven: migrating the $service database" >&2
haven migrate "$service"

echo "haven: starting $service" >&2
exec nameko run --config "$app/services/$service/config.yml" "haven_$service.service" "$@"
