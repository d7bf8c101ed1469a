"""AWS Glue job 2: load one committed batch of the curated zone into Snowflake RAW
(hfc_glue.load_job). Definition: load.job.json.

    python glue/jobs/load.py --lake <root> --batch <k> --route internal_stage --snowflake_secret_id <id>
"""

import sys
from pathlib import Path

try:
    import hfc_glue  # noqa: F401 - on Glue the package comes from the job's wheel
except ImportError:  # a checkout: the package sits beside this folder
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hfc_glue.load_job import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
