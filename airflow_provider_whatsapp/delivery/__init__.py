"""Exactly-once delivery of messages to many recipients, for the send operators.

``ledger`` records every send (planned, pending before its request, then sent, failed or unknown) in
SQL, so that a retried try sends only to recipients without an outcome. ``sources`` reads recipients
(lists, CSV, JSONL, SQL rows) as streams; ``personalize`` renders one message per recipient and checks
it; ``sender`` sends the plan with a few requests in flight, paced; ``report`` counts and reports.
"""
