-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d): one database per service.
CREATE DATABASE registration;
CREATE DATABASE shelter;
CREATE DATABASE logistics;
CREATE DATABASE health;
CREATE DATABASE protection;
CREATE DATABASE reporting;
