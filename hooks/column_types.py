"""How each kind of field is written in JSON, in the SQL the spec shows, in the first migration
and in the ER diagram."""

DECIMAL_DIGITS, DECIMAL_PLACES = 12, 2

JSON_TYPES = {
    "str": "string",
    "text": "string",
    "int": "integer",
    "float": "number",
    "decimal": "decimal string",
    "bool": "boolean",
    "date": "date (YYYY-MM-DD)",
    "datetime": "date-time (ISO 8601, with offset; returned in UTC)",
    "uuid": "uuid",
    "email": "email",
    "url": "url",
    "enum": "enum",
    "ref": "integer",
}
# 64 bits on every database: PostgreSQL's INTEGER holds 32, SQLite's INTEGER holds 64 already
# (and only `INTEGER PRIMARY KEY` is SQLite's rowid), as app/models/types.py says in Python.
INT64_MIGRATION_TYPE = 'sa.BigInteger().with_variant(sa.Integer(), "sqlite")'
# The column type of each kind, as the first migration writes it (strings get a length).
MIGRATION_TYPES = {
    "text": "sa.Text()",
    "int": INT64_MIGRATION_TYPE,
    "float": "sa.Float()",
    "decimal": f"sa.Numeric(precision={DECIMAL_DIGITS}, scale={DECIMAL_PLACES})",
    "bool": "sa.Boolean()",
    "date": "sa.Date()",
    "datetime": "sqlmodel.sql.sqltypes.UTCDateTime()",
    "uuid": "sa.Uuid()",
    "ref": INT64_MIGRATION_TYPE,
}
SQL_TYPES = {
    "text": "TEXT",
    "int": "BIGINT",
    "float": "FLOAT",
    "decimal": f"NUMERIC({DECIMAL_DIGITS},{DECIMAL_PLACES})",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "uuid": "UUID",
    "ref": "BIGINT",
}
MERMAID_TYPES = {
    "str": "string",
    "text": "text",
    "int": "int",
    "float": "float",
    "decimal": "decimal",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
    "uuid": "uuid",
    "email": "string",
    "url": "string",
    "enum": "string",
    "ref": "int",
}
