"""The recovery actions, one module per family: row repairs, session signals, the index.

Each module exports `SPECS`, in the order the registry lists them.
"""
