"""Export and import: a store as NDJSON (statements, attachments, documents) and back, or pulled
from another LRS through GET /statements. `lrs export` and `lrs import` in cli.py."""
