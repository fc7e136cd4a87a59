"""The GPU entry point's helpers: the wheelhouse it installs from, and the label of its results."""
