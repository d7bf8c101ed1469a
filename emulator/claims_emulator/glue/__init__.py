"""Glue on the emulator: moto keeps the control plane (jobs, runs, their ids and arguments); this
package makes a job run real. StartJobRun executes the job's script from its ScriptLocation as a
child process on the project's Python (local PySpark for glueetl jobs), with the run's arguments,
against the emulated S3; the run's state, error and timings come from that execution, and its output
goes to CloudWatch Logs like Glue's (`/aws-glue/jobs/output` and `/aws-glue/jobs/error`, one stream
per run id). `install()` (moto_actions) wires it into moto before the server starts."""
