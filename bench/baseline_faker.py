#!/usr/bin/env python3
"""Baseline generator: the reference project's approach, kept as slow as it was.

Reimplements the behaviour of the reference generator (deepthiv0705/health_finance_claims,
Scripts/generate_dummy_data.py; see /work/shared/reference/reference-implementation.md) so that
our vectorised generator has an honest point of comparison:

- one Python loop iteration per row, with one random draw per field and, for members and
  providers, one Faker call per row (name / last name), as the reference did;
- members: member_id, name, age 0-90, gender M/F/Other, location "City, ST" from a pool of 200;
- providers: provider_id, name "<Lastname> MD|Clinic|Center|LLP", one of 12 specialties, city;
- claims: claim_id, member_id, provider_id, diagnosis (13 codes), claim_date 2024-01-01 ..
  2025-10-31, amount uniform 100..100,000, paid_amt by status (PAID 60-100 %, PENDING
  0/10/20/50 %, DENIED/REJECTED 0), status PAID 70 % / DENIED 12 % / PENDING 12 % /
  REJECTED 6 %, adjudicated_date = claim date + Poisson(7) days (empty for PENDING),
  ingestion_ts (wall clock per row), year, month;
- rows collected as a list of dicts, then written as CSV.

Two substitutions, because this project's Python environment has neither NumPy nor pandas:
NumPy's scalar draws (uniform, choice, poisson) become `random.Random` calls plus Knuth's Poisson
sampler, and `pd.DataFrame(rows).to_csv()` becomes `csv.DictWriter`. Both substitutes are at
least as fast per row as what they replace (scalar NumPy calls cost more than `random` calls;
pandas builds a frame, re-parses claim_date for year/month and then writes), so this baseline
can only flatter the reference, never a faster generator compared against it. Parquet output,
which the reference also wrote, is left out: the comparison is on CSV.

Usage: python bench/baseline_faker.py --claims 100000 --out <dir> --seed 42
Prints one JSON line: claims, seconds (generation plus CSV writing, after imports),
claims_per_second, columns, peak_rss_mb, csv_writer.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import resource
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from faker import Faker

START_DATE = datetime(2024, 1, 1)
END_DATE = datetime(2025, 10, 31)

GENDERS = ["M", "F", "Other"]
SPECIALTIES = [
    "General Practice", "Cardiology", "Orthopedics", "Dermatology", "Oncology", "Neurology",
    "Psychiatry", "Pediatrics", "OB-GYN", "Radiology", "Surgery", "Endocrinology",
]
PROVIDER_SUFFIXES = ["MD", "Clinic", "Center", "LLP"]
DIAGNOSES = ["J20", "I10", "E11", "M54", "K21", "N39", "R07", "F41", "S72", "C50", "G40", "L40", "H10"]
STATUSES = ["PAID", "DENIED", "PENDING", "REJECTED"]
STATUS_WEIGHTS = [0.7, 0.12, 0.12, 0.06]
PENDING_PAID_SHARES = [0.0, 0.1, 0.2, 0.5]

MEMBER_COLUMNS = ["member_id", "name", "age", "gender", "location"]
PROVIDER_COLUMNS = ["provider_id", "name", "specialty", "city"]
CLAIM_COLUMNS = [
    "claim_id", "member_id", "provider_id", "diagnosis", "claim_date", "amount", "paid_amt",
    "status", "adjudicated_date", "ingestion_ts", "year", "month",
]
TS_FORMAT = "%Y-%m-%d %H:%M:%S"


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's multiplication method: one uniform draw per step, as cheap as a scalar NumPy draw."""
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def random_date(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, span), seconds=rng.randint(0, 86399))


def generate_members(faker: Faker, rng: random.Random, n: int) -> list[dict[str, Any]]:
    locations = [f"{faker.city()}, {faker.state_abbr()}" for _ in range(200)]
    members = []
    for i in range(1, n + 1):
        members.append({
            "member_id": i,
            "name": faker.name(),
            "age": rng.randint(0, 90),
            "gender": rng.choice(GENDERS),
            "location": rng.choice(locations),
        })
    return members


def generate_providers(faker: Faker, rng: random.Random, n: int) -> list[dict[str, Any]]:
    cities = [faker.city() for _ in range(100)]
    providers = []
    for i in range(1, n + 1):
        providers.append({
            "provider_id": i,
            "name": f"{faker.last_name()} {rng.choice(PROVIDER_SUFFIXES)}",
            "specialty": rng.choice(SPECIALTIES),
            "city": rng.choice(cities),
        })
    return providers


def generate_claims(rng: random.Random, n: int, members_n: int, providers_n: int) -> list[dict[str, Any]]:
    claims = []
    for i in range(1, n + 1):
        claim_date = random_date(rng, START_DATE, END_DATE)
        member_id = rng.randint(1, members_n)
        provider_id = rng.randint(1, providers_n)
        diagnosis = rng.choice(DIAGNOSES)
        amount = round(rng.uniform(100.0, 100000.0), 2)
        status = rng.choices(STATUSES, weights=STATUS_WEIGHTS, k=1)[0]
        if status == "PAID":
            paid_amt = round(amount * round(rng.uniform(0.6, 1.0), 2), 2)
        elif status == "PENDING":
            paid_amt = round(amount * rng.choice(PENDING_PAID_SHARES), 2)
        else:
            paid_amt = 0.0
        # Drawn for every row, used only once the claim is adjudicated, as in the reference.
        adjudication_days = poisson(rng, 7)
        adjudicated = claim_date + timedelta(days=adjudication_days) if status != "PENDING" else None
        claims.append({
            "claim_id": i,
            "member_id": member_id,
            "provider_id": provider_id,
            "diagnosis": diagnosis,
            "claim_date": claim_date.strftime(TS_FORMAT),
            "amount": amount,
            "paid_amt": paid_amt,
            "status": status,
            "adjudicated_date": adjudicated.strftime(TS_FORMAT) if adjudicated else "",
            "ingestion_ts": datetime.now(timezone.utc).strftime(TS_FORMAT),
            "year": claim_date.year,
            "month": claim_date.month,
        })
    return claims


def write_csv(rows: list[dict[str, Any]], columns: list[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Row-by-row Faker baseline of the reference claims generator.")
    parser.add_argument("--claims", type=positive_int, default=5000, help="claims to generate (reference: 5,000)")
    parser.add_argument("--members", type=positive_int, default=1000, help="members (reference: 1,000)")
    parser.add_argument("--providers", type=positive_int, default=200, help="providers (reference: 200)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True, help="directory for members.csv, providers.csv, claims.csv")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    rng = random.Random(args.seed)
    Faker.seed(args.seed)
    faker = Faker()
    members = generate_members(faker, rng, args.members)
    providers = generate_providers(faker, rng, args.providers)
    claims = generate_claims(rng, args.claims, args.members, args.providers)
    write_csv(members, MEMBER_COLUMNS, args.out / "members.csv")
    write_csv(providers, PROVIDER_COLUMNS, args.out / "providers.csv")
    write_csv(claims, CLAIM_COLUMNS, args.out / "claims.csv")
    seconds = time.perf_counter() - started

    print(json.dumps({
        "claims": args.claims,
        "seconds": round(seconds, 3),
        "claims_per_second": round(args.claims / seconds, 1),
        "columns": len(CLAIM_COLUMNS),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "csv_writer": "stdlib",
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
