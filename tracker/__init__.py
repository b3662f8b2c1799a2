"""followup: watches a job seeker's mailbox and queues polite, approved check-ins."""

from __future__ import annotations

__version__ = "0.1.0"
