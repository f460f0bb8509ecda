"""Qt widgets and the workers that bridge threads; the only place that imports PyQt5."""
