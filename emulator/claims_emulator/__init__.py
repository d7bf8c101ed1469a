"""The cloud emulator: the AWS (S3, Glue, CloudWatch Logs) and Snowflake peers of the `aws` profile,
on loopback, started and owned by one supervisor process.

    python -m claims_emulator serve --state <workspace>/emulator

Servers (each its own child process of the supervisor):
- `aws`: a moto server for S3, the Glue API and CloudWatch Logs, extended in-process so that a Glue
  job run executes the job's script for real (claims_emulator.glue);
- `snowflake`: the fakesnow server, its databases persisted under the state folder; the Python
  connector (dbt-snowflake) talks to it directly;
- `snowflake_node`: the adapter in front of fakesnow that the Node `snowflake-sdk` needs.
"""
