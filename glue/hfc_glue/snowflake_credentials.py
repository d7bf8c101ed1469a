"""Snowflake connection settings for Glue job 2, read from AWS Secrets Manager or SSM Parameter
Store. The job's arguments name the secret, never hold it; nothing here is logged.

The secret (or SecureString parameter) is a JSON object:

    {"account": "xy12345.eu-west-1", "user": "CLAIMS_LOADER", "private_key": "-----BEGIN PRIVATE KEY-----...",
     "role": "LOADER", "warehouse": "LOADING"}

with `password` instead of `private_key` where key pairs are not used, and optionally
`private_key_passphrase`. An emulator adds `host`, `port` and `protocol` (fakesnow on loopback).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfc_glue.errors import JobError

REQUIRED = ("account", "user")
OPTIONAL = ("password", "private_key", "private_key_passphrase", "role", "warehouse", "host", "port", "protocol")


def parse_secret(text: str, source: str) -> dict[str, Any]:
    """Connection settings from the secret's JSON; JobError naming the secret (not its content)."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise JobError(f"The Snowflake secret {source} is not a JSON object.", "Store it as JSON with account, user and password or private_key.") from None
    if not isinstance(doc, dict):
        raise JobError(f"The Snowflake secret {source} is not a JSON object.", "Store it as JSON with account, user and password or private_key.")
    unknown = sorted(set(doc) - set(REQUIRED) - set(OPTIONAL))
    missing = [k for k in REQUIRED if not doc.get(k)]
    if unknown or missing:
        problems = [f"missing {', '.join(missing)}" if missing else "", f"unknown keys {', '.join(unknown)}" if unknown else ""]
        raise JobError(f"The Snowflake secret {source} has {'; '.join(p for p in problems if p)}.", f"Allowed keys: {', '.join((*REQUIRED, *OPTIONAL))}.")
    if not doc.get("password") and not doc.get("private_key"):
        raise JobError(f"The Snowflake secret {source} has neither password nor private_key.", "Add one of them.")
    return doc


def read_secret(secret_id: str | None, ssm_parameter: str | None) -> dict[str, Any]:
    """The settings from Secrets Manager (secret_id) or SSM (ssm_parameter): exactly one is given.
    boto3 finds the region and credentials the usual way (the job's IAM role on Glue) and the
    endpoint from AWS_ENDPOINT_URL* (an emulator)."""
    if bool(secret_id) == bool(ssm_parameter):
        raise JobError("Name exactly one of --snowflake_secret_id (Secrets Manager) and --snowflake_ssm_parameter (SSM Parameter Store).")
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if secret_id:
            text = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
            return parse_secret(text, f"secret {secret_id}")
        text = boto3.client("ssm").get_parameter(Name=ssm_parameter, WithDecryption=True)["Parameter"]["Value"]
        return parse_secret(text, f"parameter {ssm_parameter}")
    except (BotoCoreError, ClientError) as err:
        raise JobError(f"Cannot read the Snowflake secret {secret_id or ssm_parameter}: {err}.", "Check its name and that the job's role may read it.") from None


def connect_kwargs(settings: Mapping[str, Any], database: str, schema: str) -> dict[str, Any]:
    """Arguments of snowflake.connector.connect for the settings."""
    kwargs: dict[str, Any] = {k: settings[k] for k in ("account", "user", "password", "role", "warehouse", "host", "protocol") if settings.get(k)}
    if settings.get("port"):
        kwargs["port"] = int(settings["port"])
    if settings.get("private_key"):
        from cryptography.hazmat.primitives import serialization

        passphrase = settings.get("private_key_passphrase")
        key = serialization.load_pem_private_key(str(settings["private_key"]).encode(), password=passphrase.encode() if passphrase else None)
        kwargs["private_key"] = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    kwargs.update(database=database, schema=schema, application="health-finance-claims-glue", login_timeout=60, network_timeout=300)
    return kwargs
