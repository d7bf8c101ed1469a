"""What the health-finance-claims DAG needs to drive the project's own CLI (`claims`) from Airflow."""
