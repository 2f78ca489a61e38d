"""Which DynamoDB actions an access role's statements grant on which ARN.

The checks (stream actions need a stream) and the model (statements by scope) read the
same sets.
"""

from __future__ import annotations

# Listed on a role, these also cover every index of the table.
INDEX_ACTIONS = frozenset({"Query", "Scan"})
# These act on the table's stream, not on the table.
STREAM_ACTIONS = frozenset({"DescribeStream", "GetRecords", "GetShardIterator"})
