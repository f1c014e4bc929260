-- Run once by the postgres image when the database is first created (as the owner,
-- POSTGRES_USER). The app connects as this role; `manage.py migrate` (as the owner) grants
-- it read and write on every table but only SELECT and INSERT on the audit log.
CREATE ROLE samhandling_app LOGIN PASSWORD 'samhandling_app'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
