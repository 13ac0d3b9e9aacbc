"""Analysis of procedure versions: graph, expected counts, metrics, principles, diff, ECRS."""
