"""Research mode: h5 datasets, splits, training over collections and the evaluation protocol."""
