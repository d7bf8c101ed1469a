"""The Health Finance Claims Glue jobs (AWS Glue 5.0: Spark 3.5.4, Python 3.11).

Job 1 (hfc_glue.cleanse_job) cleanses raw CSV into curated Parquet, quarantine and duplicates with
the same decisions as the DuckDB engine; job 2 (hfc_glue.load_job) loads a committed batch into
Snowflake RAW. Both read the dataset contracts (pipeline/contracts/*.yaml) through
hfc_glue.contracts, which needs no Spark. Import submodules directly; this package imports nothing.
"""
