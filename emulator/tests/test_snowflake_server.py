"""The emulator's Snowflake for the Python connector (dbt-snowflake's driver): statements it cannot
run fail at once with a Snowflake error instead of a retry loop, a statement past the limit is
canceled, and the data is still there after the server crashes and comes back."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import snowflake.connector
from conftest import STATEMENT_TIMEOUT_SECONDS
from snowflake.connector.errors import ProgrammingError

from claims_emulator.testing import Emulator


def wait_for_restart(emulator: Emulator, server: str, old_pid: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = emulator.record["servers"][server]
        if record["pid"] != old_pid:
            return record
        time.sleep(0.2)
    raise AssertionError(f"{server} was not restarted within {timeout} s")


def test_a_statement_fakesnow_cannot_run_fails_promptly_with_a_snowflake_error(emulator: Emulator) -> None:
    with snowflake.connector.connect(**emulator.snowflake_connect_kwargs()) as conn:
        started = time.monotonic()
        # fakesnow answers HTTP 500 to this (no Snowflake type for an INTERVAL column); the
        # connector would retry for minutes
        with pytest.raises(ProgrammingError) as failed:
            conn.cursor().execute("select interval '1 day' as i")
        assert time.monotonic() - started < 5
        assert failed.value.errno == 2  # 000002: unsupported feature
        assert "cannot run this statement (NotImplementedError: for column type INTERVAL)" in failed.value.msg
        assert conn.cursor().execute("select 1 + 1").fetchone() == (2,)


def test_a_statement_past_the_limit_is_canceled_and_the_session_goes_on(emulator: Emulator) -> None:
    with snowflake.connector.connect(**emulator.snowflake_connect_kwargs()) as conn:
        started = time.monotonic()
        with pytest.raises(ProgrammingError) as canceled:
            conn.cursor().execute("select count(*) from table(generator(rowcount => 100000000)) a, table(generator(rowcount => 100000000)) b")
        took = time.monotonic() - started
        assert canceled.value.errno == 630  # 000630: statement timeout
        assert STATEMENT_TIMEOUT_SECONDS - 0.5 < took < STATEMENT_TIMEOUT_SECONDS + 10
        assert conn.cursor().execute("select 'still here'").fetchone() == ("still here",)


def test_data_and_stage_files_survive_a_crash_of_the_snowflake_server(emulator: Emulator, tmp_path: Path) -> None:
    kwargs = emulator.snowflake_connect_kwargs()
    csv = tmp_path / "members.csv"
    csv.write_text("M1,Ada\nM2,Grace\n")
    with snowflake.connector.connect(**kwargs) as conn:
        cur = conn.cursor()
        cur.execute("create database if not exists persisted")
        cur.execute("create schema if not exists persisted.raw")
        cur.execute("create or replace table persisted.raw.members (member_id varchar(10), name varchar)")
        cur.execute("insert into persisted.raw.members values ('M0', 'Alan')")
        cur.execute("create stage if not exists persisted.raw.landing")
        cur.execute(f"put file://{csv} @persisted.raw.landing")
        cur.execute("copy into persisted.raw.members from @persisted.raw.landing file_format = (type = csv)")

    before = emulator.record["servers"]["snowflake"]
    os.kill(before["pid"], signal.SIGKILL)  # a crash: no checkpoint, the WAL must carry the data
    after = wait_for_restart(emulator, "snowflake", before["pid"])
    assert after["port"] == before["port"]
    assert after["restarts"] == before["restarts"] + 1

    with snowflake.connector.connect(**{**kwargs, "database": "persisted"}) as conn:
        cur = conn.cursor()
        assert cur.execute("select member_id, name from persisted.raw.members order by member_id").fetchall() == [("M0", "Alan"), ("M1", "Ada"), ("M2", "Grace")]
        assert [r[0] for r in cur.execute("list @persisted.raw.landing").fetchall()] == ["landing/members.csv.gz"]
        # VARCHAR(10) is remembered in fakesnow's global catalog, persisted too
        assert cur.execute("describe table persisted.raw.members").fetchall()[0][:2] == ("MEMBER_ID", "VARCHAR(10)")
    log = (emulator.state_dir / "emulator.log").read_text()
    assert f"server snowflake (pid {before['pid']}) exited with code -9" in log
    assert f"server snowflake restarted (pid {after['pid']}, port {after['port']}" in log


def test_the_node_adapter_answers_a_snowflake_timeout_when_the_server_hangs(emulator: Emulator) -> None:
    # the adapter speaks Snowflake's JSON result format, which the Python connector reads too
    adapter = urlparse(emulator.endpoints["snowflake_node"])
    with snowflake.connector.connect(**{**emulator.snowflake_connect_kwargs(), "host": adapter.hostname, "port": adapter.port}) as conn:
        assert conn.cursor().execute("select 41 + 1").fetchone() == (42,)
        server = emulator.record["servers"]["snowflake"]["pid"]
        os.kill(server, signal.SIGSTOP)  # a server that takes requests and never answers
        try:
            started = time.monotonic()
            with pytest.raises(ProgrammingError) as canceled:
                conn.cursor().execute("select 1")
            assert canceled.value.errno == 630
            assert time.monotonic() - started < STATEMENT_TIMEOUT_SECONDS + 10
        finally:
            os.kill(server, signal.SIGCONT)
        assert conn.cursor().execute("select 'answering again'").fetchone() == ("answering again",)


def test_a_table_created_without_a_comment_has_none_and_one_with_a_quote_keeps_it(emulator: Emulator) -> None:
    with snowflake.connector.connect(**emulator.snowflake_connect_kwargs()) as conn:
        cur = conn.cursor()
        cur.execute("create database if not exists comments_db")
        cur.execute("create schema if not exists comments_db.s")
        cur.execute("create or replace table comments_db.s.plain (a int)")
        cur.execute("create or replace table comments_db.s.said (a int) comment = 'the member''s plan'")
        cur.execute("select table_name, comment from comments_db.information_schema.tables where table_schema = 'S' order by table_name")
        assert cur.fetchall() == [("PLAIN", None), ("SAID", "the member's plan")]
