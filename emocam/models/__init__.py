"""Model files: where they are found (lookup), the allow-list check of untrusted files (check), the
child-process probe (probe), loading with Keras->LiteRT conversion and cache (loading), and our
architectures."""
