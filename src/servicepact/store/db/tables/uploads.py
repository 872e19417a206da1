"""Upload jobs: a file received through the web UI or the API and loaded in the background
(``services/uploads.py``).

Kept in the database so that whichever server process answers the page's poll finds the
job, not only the process that received the file. The job's report and its row problems are
stored as JSON once the job ends; the problems keep their structured fields (row, line,
column, field, value) apart from their reason, so a page words them in its viewer's language.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, UtcDateTime
from servicepact.store.db.tables import metadata

upload_jobs = sa.Table(
    "upload_jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_name", sa.String(ID_LENGTH), nullable=False),  # who uploaded
    sa.Column("party", sa.String(ID_LENGTH), nullable=True),  # their vendor or broker
    sa.Column("contract_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),  # the sender's name, a label
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("accept_valid", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("bytes_done", sa.BigInteger, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("report", sa.JSON, nullable=True),
    sa.Column("problems", sa.JSON, nullable=True),
    sa.Column("problem_count", sa.Integer, nullable=False),
    sa.Column("runner", sa.String(200), nullable=True),  # host and process running the load
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),  # last sign of life of the runner
    sa.Index("ix_upload_jobs_user_name", "user_name"),
    sa.Index("ix_upload_jobs_status", "status"),
)
