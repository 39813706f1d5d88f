"""xAPI vocabulary IRIs that change what the LRS does with a statement."""

from __future__ import annotations

# A statement with this verb voids the statement its StatementRef targets (Data 2.3.2).
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
