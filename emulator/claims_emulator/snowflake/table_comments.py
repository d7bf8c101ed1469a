"""Table and view comments as Snowflake keeps them. fakesnow records a comment for every CREATE TABLE
or VIEW, and one created without a COMMENT got the text 'None' (Python's None pasted into its SQL),
which the information schema then showed as that table's description; a comment with a quote in
it broke the statement. Here no comment is NULL, and quotes are escaped."""

from __future__ import annotations

from fakesnow import info_schema


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _insert_table_comment_sql(catalog: str, schema: str, table: str, comment: str | None) -> str:
    return f"""
        INSERT INTO _fs_global._fs_information_schema._fs_tables_ext
        values ({_literal(catalog)}, {_literal(schema)}, {_literal(table)}, {"NULL" if comment is None else _literal(comment)})
        ON CONFLICT (ext_table_catalog, ext_table_schema, ext_table_name)
        DO UPDATE SET comment = excluded.comment
    """


def install() -> None:
    # fakesnow's cursor looks the function up on the module at each call
    info_schema.insert_table_comment_sql = _insert_table_comment_sql  # type: ignore[assignment]
