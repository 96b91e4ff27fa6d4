#!/bin/sh
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d): one database per service
# and, for every service whose HAVEN_DB_PASSWORD_<SERVICE> is set, a login role haven_<service> that owns that
# database and nothing else. Other roles (PUBLIC) cannot connect to it. The compose stack sets every password
# (docker-compose.yml); the test infrastructure (deploy/compose/infrastructure.yml) sets none, and its tests connect
# as the superuser and make databases of their own.
#
# The script runs only when the volume is empty: to change a password later, ALTER ROLE haven_<service> PASSWORD ...
set -eu

for service in registration shelter logistics health protection reporting gateway; do
    var="HAVEN_DB_PASSWORD_$(echo "$service" | tr '[:lower:]' '[:upper:]')"
    eval "password=\${$var:-}"
    if [ -n "$password" ]; then
        # psql quotes :'password' as a literal, so any character is safe.
        psql -v ON_ERROR_STOP=1 -v role="haven_$service" -v password="$password" -v db="$service" \
             --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
        echo "haven: database $service owned by role haven_$service"
    else
        psql -v ON_ERROR_STOP=1 -v db="$service" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE DATABASE :"db";
SQL
        echo "haven: database $service (no $var: no role of its own)"
    fi
done
