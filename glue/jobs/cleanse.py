"""AWS Glue job 1: cleanse one landed batch of raw CSV into curated Parquet, quarantine and
duplicates (hfc_glue.cleanse_job). Definition: cleanse.job.json.

    python glue/jobs/cleanse.py --lake <root> --batch <k>     # local PySpark (argparse)
"""

import sys
from pathlib import Path

try:
    import hfc_glue  # noqa: F401 - on Glue the package comes from the job's wheel
except ImportError:  # a checkout: the package sits beside this folder
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hfc_glue.cleanse_job import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
