"""Approvals: the owner's say on queued drafts, read from replies to the daily digest."""
