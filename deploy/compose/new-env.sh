#!/bin/sh
# Print a .env for docker-compose.yml with a fresh random value for every secret it requires:
#   sh deploy/compose/new-env.sh > .env && chmod 600 .env
# Values are hex, so they are safe inside the AMQP and PostgreSQL URLs the services are given.
set -eu
secret() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
echo "# Haven compose secrets, made by deploy/compose/new-env.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Keep out of git."
echo "HAVEN_AUTH_SECRET=$(secret 32)"
echo "RABBITMQ_ADMIN_PASSWORD=$(secret 24)"
echo "POSTGRES_ADMIN_PASSWORD=$(secret 24)"
echo "GRAFANA_ADMIN_PASSWORD=$(secret 16)"
for service in REGISTRATION SHELTER LOGISTICS HEALTH REPORTING PROTECTION GATEWAY; do
    echo "HAVEN_DB_PASSWORD_$service=$(secret 24)"
    echo "HAVEN_BROKER_PASSWORD_$service=$(secret 24)"
done
# protection's encryption-at-rest key (base64 of 32 random bytes), under a dated key id
echo "PROTECTION_KEYS=k$(date -u +%Y%m%d)=$(head -c 32 /dev/urandom | base64)"
