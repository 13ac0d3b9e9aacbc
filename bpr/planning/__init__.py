"""Planning: ranking for onlining, weights, the national survey."""
