"""Snowflake on the emulator: the fakesnow server with its databases persisted under the state
folder and every statement bounded in time (server.py), and the adapter the Node snowflake-sdk
needs in front of it (node_adapter.py, rowset.py)."""
