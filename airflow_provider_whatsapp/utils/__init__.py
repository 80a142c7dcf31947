"""What every layer shares, importable at module top: the standard library only, nothing above it.

Phone numbers (parsing, masking), recipient lists, and the checks on ids that become URL path segments.
DAG-facing modules import these at parse time, so nothing here may load ``requests`` or pydantic.
"""
