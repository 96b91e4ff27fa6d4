"""Personal data: the names of the fields that hold it. Such values stay in the service that collected them: event
schemas refuse them (unknown fields), and the logs redact any of these names passed as a log record's extra
(``haven_kernel.logs.JsonFormatter(personal_keys=PERSONAL_FIELDS)``, wired in each service's config.yml)."""

PERSONAL_FIELDS = frozenset({
    "given_name", "family_name", "name", "date_of_birth", "phone", "narrative", "notes", "members",
})
