"""Errors a job stops with. Each says what failed, where (dataset, file, line) and what to do; the
entry scripts let them end the job with a non-zero exit, never catch and print them."""

from __future__ import annotations


class JobError(Exception):
    """The job cannot go on; `hint` says what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.hint = hint
        super().__init__(f"{message} {hint}".strip())


class InputFileError(JobError):
    """A problem with a whole raw file (pipeline/ingest/inspect.ts InputFileError, same wording)."""

    def __init__(self, file: str, line: int | None, problem: str, hint: str, dataset: str | None = None) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        self.dataset = dataset
        where = f"{dataset}: " if dataset else ""
        super().__init__(f"{where}{file}{f' line {line}' if line else ''}: {problem}.", hint)
